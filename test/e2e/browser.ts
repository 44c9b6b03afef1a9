/** @module Headless Chromium through playwright-core: Debian's /usr/bin/chromium, never a downloaded browser. */
import { chromium, type Browser } from 'playwright-core'

export const CHROMIUM = process.env['ALMANAC_E2E_CHROMIUM'] ?? '/usr/bin/chromium'

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  })
}
