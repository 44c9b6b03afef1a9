import { describe, expect, it } from 'vitest'
import {
  activityLabel,
  distinctActivityLabels,
  distinctShortIris,
  readableResponse,
  shortIri,
  windowParams,
} from './reports'

const COURSE = 'https://learn.example/courses/safety'

describe('distinctShortIris', () => {
  it('keeps the last two segments while they tell the IRIs apart', () => {
    const iris = [`${COURSE}/modules/1`, `${COURSE}/modules/2`]
    expect(distinctShortIris(iris)).toEqual(['modules/1', 'modules/2'])
    expect(distinctShortIris(iris)).toEqual(iris.map(shortIri))
  })

  it('adds segments, two at a time, where pages of different modules end alike', () => {
    const iris = [
      `${COURSE}/modules/1/pages/1`,
      `${COURSE}/modules/1/pages/2`,
      `${COURSE}/modules/2/pages/1`,
    ]
    expect(distinctShortIris(iris)).toEqual([
      'modules/1/pages/1',
      'modules/1/pages/2',
      'modules/2/pages/1',
    ])
  })

  it('labels the same IRI twice alike, and gives up at the whole path', () => {
    const page = `${COURSE}/pages/1`
    expect(distinctShortIris([page, page])).toEqual(['pages/1', 'pages/1'])
    // Differ only by host: the whole path is all a short form has.
    expect(distinctShortIris(['https://a.example/x/y', 'https://b.example/x/y'])).toEqual([
      'x/y',
      'x/y',
    ])
    expect(distinctShortIris(['urn:x:1', 'https://a.example/'])).toEqual(
      ['urn:x:1', 'https://a.example/'].map(shortIri),
    )
    expect(distinctShortIris([])).toEqual([])
  })
})

describe('distinctActivityLabels', () => {
  it('reads like activityLabel, as long as it must be to tell the activities apart', () => {
    const iris = ['https://x.example/courses/data-privacy/modules/1', `${COURSE}/modules/1`]
    expect(distinctActivityLabels(iris)).toEqual([
      'courses/data privacy/modules/1',
      'courses/safety/modules/1',
    ])
    expect(distinctActivityLabels([`${COURSE}/modules/first_one`])).toEqual([
      activityLabel(`${COURSE}/modules/first_one`),
    ])
  })
})

describe('readableResponse', () => {
  it('reads the response patterns of Data §2.4.4.1.3.4', () => {
    // choice, sequencing, fill-in: items delimited by [,]
    expect(readableResponse('a[,]b[,]c[,]d')).toBe('a, b, c, d')
    // matching: source[.]target pairs; performance: step[.]answer
    expect(readableResponse('1[.]a[,]2[.]b[,]3[.]c')).toBe('1 → a, 2 → b, 3 → c')
    expect(readableResponse('pin[.]1234[,]confirm[.]yes')).toBe('pin → 1234, confirm → yes')
    // numeric ranges, open at either end
    expect(readableResponse('4[:]6')).toBe('4–6')
    expect(readableResponse('[:]4')).toBe('≤ 4')
    expect(readableResponse('-2.5[:]')).toBe('≥ -2.5')
    expect(readableResponse('[:]')).toBe('any number')
    expect(readableResponse('step[.]3[:]5')).toBe('step → 3–5')
  })

  it('leaves plain answers alone and names the empty one', () => {
    expect(readableResponse('true')).toBe('true')
    expect(readableResponse('Paris')).toBe('Paris')
    expect(readableResponse('')).toBe('(no response)')
  })
})

describe('windowParams', () => {
  /** The `since` and `until` a window is sent with (null: not sent). */
  const sent = (since: string, until: string | undefined) => {
    const params = windowParams({ since, until, label: '' })
    return [params.get('since'), params.get('until')]
  }

  it('moves both ends up to the next 00:00 UTC, the days the overview takes', () => {
    expect(sent('2025-02-01T00:00:00.000Z', '2025-02-28T23:59:59.999Z')).toEqual([
      '2025-02-01T00:00:00.000Z',
      '2025-03-01T00:00:00.000Z',
    ])
    expect(sent('2025-02-01T13:30:00.000Z', undefined)).toEqual(['2025-02-02T00:00:00.000Z', null])
  })

  it('keeps a window within one day as given rather than empty it', () => {
    expect(sent('2025-02-01T06:00:00.000Z', '2025-02-01T18:00:00.000Z')).toEqual([
      '2025-02-01T06:00:00.000Z',
      '2025-02-01T18:00:00.000Z',
    ])
  })
})
