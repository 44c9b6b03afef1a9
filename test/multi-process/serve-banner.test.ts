/** The start-up banner of `almanac serve` tells a new user where the console is and how to get an admin account. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { startAlmanac } from './almanac-process.js'

const dir = mkdtempSync(join(tmpdir(), 'almanac-banner-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function bannerOf(env: Record<string, string>): Promise<string> {
  const server = await startAlmanac({ ALMANAC_DATABASE_URL: join(dir, 'almanac.db'), ...env })
  // The lines after "listening" are printed right after it; give them a moment.
  await new Promise((resolve) => setTimeout(resolve, 300))
  await server.stop()
  return server.output.join('')
}

describe('almanac serve banner', () => {
  it('without an admin account, says how to make one; with one, only where the console is', async () => {
    const first = await bannerOf({})
    expect(first).toMatch(/Web console: http:\/\/127\.0\.0\.1:\d+\//)
    expect(first).toContain('No admin account exists yet')
    expect(first).toContain('almanac admin create --username')
    expect(first).toContain('ALMANAC_ADMIN_USERNAME=')

    const later = await bannerOf({
      ALMANAC_ADMIN_USERNAME: 'first-admin',
      ALMANAC_ADMIN_PASSWORD: 'first-admin-password',
    })
    expect(later).toMatch(/Web console: http:\/\/127\.0\.0\.1:\d+\//)
    expect(later).not.toContain('No admin account exists yet')
  })
})
