/**
 * @module Quiz questions as cmi.interaction activities (Data §2.4.4.1 "Interaction Activities"):
 * their definitions, and the responses a learner gives, right or wrong.
 */
import type { Activity, ActivityDefinition, InteractionComponent } from '../xapi/types.js'
import type { Random } from './random.js'
import { ACTIVITY_TYPES } from './vocabulary.js'

export type QuestionKind =
  | 'choice'
  | 'multiple-choice'
  | 'true-false'
  | 'fill-in'
  | 'numeric'
  | 'matching'
  | 'sequencing'
  | 'likert'

/** A question and what answering it right or wrong looks like. */
export interface Question {
  readonly activity: Activity
  readonly kind: QuestionKind
  /** Item difficulty on the learners' ability scale (a 1PL / Rasch item). */
  readonly difficulty: number
  /** Typical seconds to answer. */
  readonly seconds: number
  /** False for a survey question: no answer is right or wrong. */
  readonly scored: boolean
  /** A `result.response` in the format of the interaction type (Data §2.4.4.1). */
  respond(random: Random, correct: boolean): string
}

/** A scored question from its correct response and a way to get a wrong one. */
function scored(
  fields: Pick<Question, 'activity' | 'kind' | 'difficulty' | 'seconds'>,
  correctResponse: string,
  wrongResponse: (random: Random) => string,
): Question {
  return {
    ...fields,
    scored: true,
    respond: (random, correct) => (correct ? correctResponse : wrongResponse(random)),
  }
}

const KINDS: readonly QuestionKind[] = [
  'choice',
  'multiple-choice',
  'true-false',
  'fill-in',
  'numeric',
  'matching',
  'sequencing',
]
const KIND_WEIGHTS: readonly number[] = [34, 10, 20, 12, 8, 8, 8]

const LETTERS = ['a', 'b', 'c', 'd', 'e']

function components(ids: readonly string[], texts: readonly string[]): InteractionComponent[] {
  return ids.map((id, i) => ({ id, description: { 'en-US': texts[i] ?? id } }))
}

/** Swaps two positions of a list (a plausible wrong order or pairing). */
function swapTwo<T>(items: readonly T[], random: Random): T[] {
  const copy = [...items]
  const i = random.int(0, copy.length - 2)
  const a = copy[i]
  const b = copy[i + 1]
  if (a !== undefined && b !== undefined) {
    copy[i] = b
    copy[i + 1] = a
  }
  return copy
}

function definition(
  name: string,
  interactionType: string,
  extra: Omit<ActivityDefinition, 'name' | 'type' | 'interactionType'>,
): ActivityDefinition {
  return {
    name: { 'en-US': name },
    description: { 'en-US': name },
    type: ACTIVITY_TYPES.interaction,
    interactionType,
    ...extra,
  }
}

/** One quiz question about `concept`, of a kind drawn from a realistic mix. */
export function buildQuestion(
  random: Random,
  id: string,
  topic: string,
  concept: string,
  concepts: readonly string[],
  difficulty: number,
): Question {
  const kind = random.weighted(KINDS, KIND_WEIGHTS)
  const base = { difficulty, kind }
  switch (kind) {
    case 'choice': {
      const ids = LETTERS.slice(0, 4)
      const correct = random.pick(ids)
      const texts = ids.map((l) =>
        l === correct ? `The correct use of ${concept}` : `A common misconception about ${concept}`,
      )
      return scored(
        {
          ...base,
          seconds: 25,
          activity: activity(
            id,
            definition(`Which statement about ${concept} is correct?`, 'choice', {
              correctResponsesPattern: [correct],
              choices: components(ids, texts),
            }),
          ),
        },
        correct,
        (r) => r.pick(ids.filter((l) => l !== correct)),
      )
    }
    case 'multiple-choice': {
      const ids = LETTERS.slice(0, 5)
      const correct = ids.filter(() => random.chance(0.5)).slice(0, 3)
      if (correct.length === 0) correct.push('b')
      const pattern = correct.join('[,]')
      return scored(
        {
          ...base,
          seconds: 45,
          activity: activity(
            id,
            definition(`Select every example of ${concept}.`, 'choice', {
              correctResponsesPattern: [pattern],
              choices: components(
                ids,
                ids.map((l) => `Situation ${l.toUpperCase()}`),
              ),
            }),
          ),
        },
        pattern,
        (r) => {
          const chosen = ids.filter((l) => (correct.includes(l) ? r.chance(0.6) : r.chance(0.3)))
          const text = chosen.join('[,]')
          return text === pattern || text === ''
            ? (ids.find((l) => !correct.includes(l)) ?? 'a')
            : text
        },
      )
    }
    case 'true-false': {
      const truth = random.chance(0.5) ? 'true' : 'false'
      return scored(
        {
          ...base,
          seconds: 12,
          activity: activity(
            id,
            definition(`True or false: ${concept} matters in ${topic}.`, 'true-false', {
              correctResponsesPattern: [truth],
            }),
          ),
        },
        truth,
        () => (truth === 'true' ? 'false' : 'true'),
      )
    }
    case 'fill-in': {
      const others = concepts.filter((c) => c !== concept)
      return scored(
        {
          ...base,
          seconds: 35,
          activity: activity(
            id,
            definition(`Name the ${topic} term defined in this lesson.`, 'fill-in', {
              correctResponsesPattern: [`{case_matters=false}${concept}`],
            }),
          ),
        },
        concept,
        (r) => (others.length > 0 ? r.pick(others) : `not ${concept}`),
      )
    }
    case 'numeric': {
      const answer = random.int(2, 12)
      return scored(
        {
          ...base,
          seconds: 40,
          activity: activity(
            id,
            definition(`How many steps does the ${concept} checklist have?`, 'numeric', {
              correctResponsesPattern: [String(answer)],
            }),
          ),
        },
        String(answer),
        (r) => String(answer + r.pick([-2, -1, 1, 2, 3])),
      )
    }
    case 'matching': {
      const sources = ['1', '2', '3']
      const targets = ['a', 'b', 'c']
      const pairs = (order: readonly string[]) =>
        sources.map((s, i) => `${s}[.]${order[i] ?? ''}`).join('[,]')
      return scored(
        {
          ...base,
          seconds: 60,
          activity: activity(
            id,
            definition(`Match each ${concept} example to its category.`, 'matching', {
              correctResponsesPattern: [pairs(targets)],
              source: components(
                sources,
                sources.map((s) => `Example ${s}`),
              ),
              target: components(
                targets,
                targets.map((t) => `Category ${t.toUpperCase()}`),
              ),
            }),
          ),
        },
        pairs(targets),
        (r) => pairs(swapTwo(targets, r)),
      )
    }
    case 'sequencing': {
      const steps = LETTERS.slice(0, 4)
      return scored(
        {
          ...base,
          seconds: 50,
          activity: activity(
            id,
            definition(`Put the ${concept} steps in order.`, 'sequencing', {
              correctResponsesPattern: [steps.join('[,]')],
              choices: components(
                steps,
                steps.map((s) => `Step ${s.toUpperCase()}`),
              ),
            }),
          ),
        },
        steps.join('[,]'),
        (r) => swapTwo(steps, r).join('[,]'),
      )
    }
    case 'likert':
      return likertQuestion(id, topic)
  }
}

/** An end-of-course satisfaction question: no correct answer (a survey). */
export function likertQuestion(id: string, topic: string): Question {
  const scale = ['likert_1', 'likert_2', 'likert_3', 'likert_4', 'likert_5']
  const labels = ['Very poor', 'Poor', 'Fair', 'Good', 'Excellent']
  return {
    kind: 'likert',
    difficulty: 0,
    seconds: 8,
    activity: activity(
      id,
      definition(`How would you rate ${topic}?`, 'likert', {
        scale: components(scale, labels),
      }),
    ),
    scored: false,
    respond: (r) => r.weighted(scale, [3, 6, 18, 40, 33]),
  }
}

function activity(id: string, definition: ActivityDefinition): Activity {
  return deepFreeze({ objectType: 'Activity', id, definition })
}

/**
 * Activities are shared by every statement that mentions them; freezing makes an accidental
 * mutation by a consumer throw instead of silently changing other statements.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) deepFreeze(child)
  }
  return value
}
