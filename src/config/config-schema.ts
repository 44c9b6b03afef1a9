/** @module The configuration schema: every setting, its environment variable and its default. */
import { z } from 'zod'

const port = z.coerce.number().int().min(0).max(65535)
const positiveInt = z.coerce.number().int().positive()

/** Storage is chosen by the URL: a `postgres://` URL or a SQLite file path / `sqlite:` URL. */
export type StorageConfig =
  | { readonly kind: 'sqlite'; readonly file: string }
  | { readonly kind: 'postgres'; readonly url: string }

export const environmentSchema = z.object({
  ALMANAC_PORT: port.default(8080),
  ALMANAC_HOST: z.string().min(1).default('127.0.0.1'),
  ALMANAC_DATABASE_URL: z.string().min(1).default('./data/almanac.db'),
  ALMANAC_BOOTSTRAP_KEY: z.string().min(1).optional(),
  ALMANAC_BOOTSTRAP_SECRET: z.string().min(8, 'must be at least 8 characters').optional(),
  /** The largest request body accepted, in bytes; larger bodies get 413. */
  ALMANAC_MAX_BODY_BYTES: positiveInt.default(20 * 1024 * 1024),
  /** The largest page of statements a query returns. */
  ALMANAC_MAX_PAGE_SIZE: positiveInt.default(500),
  /** The public URL of the server, used as the homePage of credential authorities. */
  ALMANAC_PUBLIC_URL: z.string().url().optional(),
})

export interface Config {
  readonly http: {
    readonly host: string
    readonly port: number
    readonly maxBodyBytes: number
  }
  readonly storage: StorageConfig
  readonly bootstrap: { readonly key: string; readonly secret: string } | undefined
  readonly limits: { readonly maxStatementsPerPage: number }
  readonly publicUrl: string
}
