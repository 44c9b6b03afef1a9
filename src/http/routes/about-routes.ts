/** @module The About resource (Communication §2.8): open without authentication. */
import type { Hono } from 'hono'
import type { Lrs } from '../../core/lrs.js'
import type { AppEnv } from '../app-env.js'

export function registerAboutRoutes(app: Hono<AppEnv>, lrs: Lrs): void {
  app.get('/xapi/about', (c) => c.json(lrs.about(), 200))
}
