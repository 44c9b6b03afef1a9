import { describe, expect, it } from 'vitest'
import { parseAcceptLanguage } from './accept-language.js'

describe('parseAcceptLanguage', () => {
  it('orders tags by weight, keeping header order for equal weights', () => {
    expect(parseAcceptLanguage('fr;q=0.5, en-US, de;q=0.9, en')).toEqual([
      'en-US',
      'en',
      'de',
      'fr',
    ])
  })
  it('drops wildcards and zero weights', () => {
    expect(parseAcceptLanguage('*, es;q=0, it')).toEqual(['it'])
  })
  it('is empty for a missing header', () => {
    expect(parseAcceptLanguage(undefined)).toEqual([])
  })
})
