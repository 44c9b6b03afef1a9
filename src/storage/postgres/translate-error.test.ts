import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { isLrsError } from '../../errors/lrs-error.js'
import { translatePostgresError } from './translate-error.js'

/** An error as pg raises it for a server ErrorResponse with this SQLSTATE. */
function serverError(code: string, message = 'server said no'): pg.DatabaseError {
  const error = new pg.DatabaseError(message, message.length, 'error')
  error.code = code
  error.severity = 'ERROR'
  return error
}

describe('translatePostgresError', () => {
  it('turns unique violations into a Conflict, keeping the cause', () => {
    const cause = serverError('23505', 'duplicate key value violates unique constraint')
    const error = translatePostgresError(cause)
    expect(error).toMatchObject({ code: 'STORAGE_CONFLICT', kind: 'Conflict' })
    expect((error as Error).cause).toBe(cause)
  })

  it('marks serialization failures, deadlocks, lock timeouts and refused connections as transient', () => {
    for (const code of ['40001', '40P01', '55P03', '53300', '57P03'])
      expect(translatePostgresError(serverError(code))).toMatchObject({ code: 'STORAGE_BUSY' })
  })

  it('turns other server errors, a statement timeout included, into an Internal failure', () => {
    for (const code of ['23502', '57014', '53100', '42P01'])
      expect(translatePostgresError(serverError(code))).toMatchObject({
        code: 'STORAGE_FAILURE',
        kind: 'Internal',
      })
  })

  it('leaves errors that are not from the server alone', () => {
    const bug = new TypeError('x is undefined')
    expect(translatePostgresError(bug)).toBe(bug)
    const network = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })
    expect(translatePostgresError(network)).toBe(network)
    expect(isLrsError(translatePostgresError('text'))).toBe(false)
  })
})
