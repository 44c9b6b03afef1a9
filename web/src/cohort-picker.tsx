/** The cohort filter of the report pages (`?cohort=` in the URL), and the note saying which cohort a report counts. */
import { useQuery } from '@tanstack/react-query'
import { api } from './api'
import type { Cohort } from './pages/people-api'
import { setParams } from './router'

export function CohortPicker({ storeId, value }: { storeId: number; value: string }) {
  const cohorts = useQuery({
    queryKey: ['cohorts', storeId],
    queryFn: () => api<{ cohorts: Cohort[] }>(`/stores/${storeId}/cohorts`).then((r) => r.cohorts),
  })
  return (
    <label>
      Cohort
      <select value={value} onChange={(e) => setParams({ cohort: e.target.value })}>
        <option value="">everyone</option>
        {(cohorts.data ?? []).map((c) => (
          <option key={c.id} value={c.id}>
            {c.name}
          </option>
        ))}
      </select>
    </label>
  )
}

/** What a report restricted to a cohort says about it (`cohortFilter` in the answer). */
export interface CohortFilter {
  id: number
  name: string
  rule: string
  people: number
  definition?: string
}

export function CohortNote({ cohort }: { cohort: CohortFilter | undefined }) {
  if (cohort === undefined) return null
  return (
    <p className="muted cohort-note">
      Cohort <strong>{cohort.name}</strong> ({cohort.rule}; {cohort.people} people): only its
      members count, each person once.
    </p>
  )
}
