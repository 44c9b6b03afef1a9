import { describe, expect, it } from 'vitest'
import { distinctShortIris, shortIri } from './reports'

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
