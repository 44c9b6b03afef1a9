import { describe, expect, it } from 'vitest'
import { mergeActivityDefinitions } from './activity-definition-merge.js'
import type { ActivityDefinition } from './types.js'

const meeting: ActivityDefinition = {
  type: 'http://adlnet.gov/expapi/activities/meeting',
  name: { 'en-GB': 'example meeting', 'en-US': 'example meeting' },
  description: { 'en-US': 'An example meeting' },
  moreInfo: 'http://virtualmeeting.example.com/345256',
  extensions: { 'http://example.com/ext/location': 'X:\\meetings' },
}

describe('mergeActivityDefinitions (Data §2.4.4.1)', () => {
  it('returns a copy of the new definition when nothing is known yet', () => {
    const merged = mergeActivityDefinitions(undefined, meeting)
    expect(merged).toEqual(meeting)
    expect(merged.name).not.toBe(meeting.name)
  })

  it('accumulates languages across definitions, the newer text winning per language (XAPI-00254)', () => {
    const merged = mergeActivityDefinitions(meeting, {
      name: { 'en-GB': 'example meeting (corrected)', 'fr-FR': 'réunion' },
    })
    expect(merged.name).toEqual({
      'en-GB': 'example meeting (corrected)',
      'en-US': 'example meeting',
      'fr-FR': 'réunion',
    })
    expect(merged.description).toEqual(meeting.description)
    expect(merged.type).toBe(meeting.type)
    expect(merged.moreInfo).toBe(meeting.moreInfo)
  })

  it('takes newer type, moreInfo and extension values as small corrections', () => {
    const merged = mergeActivityDefinitions(meeting, {
      type: 'http://adlnet.gov/expapi/activities/lesson',
      moreInfo: 'http://example.com/more',
      extensions: { 'http://example.com/ext/room': 12 },
    })
    expect(merged.type).toBe('http://adlnet.gov/expapi/activities/lesson')
    expect(merged.moreInfo).toBe('http://example.com/more')
    expect(merged.extensions).toEqual({
      'http://example.com/ext/location': 'X:\\meetings',
      'http://example.com/ext/room': 12,
    })
  })

  it('keeps the interaction model once known and only adds component descriptions', () => {
    const choice: ActivityDefinition = {
      interactionType: 'choice',
      correctResponsesPattern: ['golf'],
      choices: [
        { id: 'golf', description: { 'en-US': 'Golf Example' } },
        { id: 'tetris', description: { 'en-US': 'Tetris Example' } },
      ],
    }
    const merged = mergeActivityDefinitions(choice, {
      interactionType: 'sequencing',
      correctResponsesPattern: ['tetris'],
      choices: [
        { id: 'tetris', description: { 'de-DE': 'Tetris Beispiel' } },
        { id: 'chess', description: { 'en-US': 'Chess' } },
      ],
      scale: [{ id: 'likert_0', description: { 'en-US': 'bad' } }],
    })
    expect(merged.interactionType).toBe('choice')
    expect(merged.correctResponsesPattern).toEqual(['golf'])
    expect(merged.choices).toEqual([
      { id: 'golf', description: { 'en-US': 'Golf Example' } },
      { id: 'tetris', description: { 'en-US': 'Tetris Example', 'de-DE': 'Tetris Beispiel' } },
    ])
    expect(merged.scale).toEqual([{ id: 'likert_0', description: { 'en-US': 'bad' } }])
  })

  it('adds no property that neither definition has', () => {
    expect(mergeActivityDefinitions({ name: { en: 'a' } }, { description: { en: 'b' } })).toEqual({
      name: { en: 'a' },
      description: { en: 'b' },
    })
  })
})
