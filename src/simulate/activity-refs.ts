/** @module Activities as context activities: by id only, as LMS context templates carry them. */
import type { Activity } from '../xapi/types.js'

const refs = new WeakMap<Activity, Activity>()

/**
 * The activity without its definition, one shared frozen object per activity (the definition
 * travels with the statements whose object the activity is; Data §2.4.6.2 needs only the id).
 */
export function ref(activity: Activity): Activity {
  let found = refs.get(activity)
  if (found === undefined) {
    found = Object.freeze({ objectType: 'Activity' as const, id: activity.id })
    refs.set(activity, found)
  }
  return found
}
