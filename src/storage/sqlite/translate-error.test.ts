import BetterSqlite3 from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { isLrsError } from '../../errors/lrs-error.js'
import { translateSqliteError } from './translate-error.js'

/** Runs SQL on a scratch database and returns what it throws. */
function failure(sql: string): unknown {
  const db = new BetterSqlite3(':memory:')
  db.exec('create table t (id integer primary key, k text unique, v text not null)')
  db.exec("insert into t (id, k, v) values (1, 'a', 'x')")
  try {
    db.exec(sql)
  } catch (error) {
    return error
  } finally {
    db.close()
  }
  throw new Error(`no failure from: ${sql}`)
}

describe('translateSqliteError', () => {
  it('turns unique and primary-key violations into a Conflict, keeping the cause', () => {
    for (const sql of [
      "insert into t (id, k, v) values (2, 'a', 'y')",
      "insert into t (id, k, v) values (1, 'b', 'y')",
    ]) {
      const cause = failure(sql)
      const error = translateSqliteError(cause)
      expect(error).toMatchObject({ code: 'STORAGE_CONFLICT', kind: 'Conflict' })
      expect((error as Error).cause).toBe(cause)
    }
  })

  it('turns other constraint failures into an Internal failure', () => {
    expect(translateSqliteError(failure("insert into t (id, k) values (3, 'c')"))).toMatchObject({
      code: 'STORAGE_FAILURE',
      kind: 'Internal',
    })
  })

  it('marks SQLITE_BUSY as transient', () => {
    const busy = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' })
    expect(translateSqliteError(busy)).toMatchObject({ code: 'STORAGE_BUSY' })
    const snapshot = Object.assign(new Error('database is locked'), {
      code: 'SQLITE_BUSY_SNAPSHOT',
    })
    expect(translateSqliteError(snapshot)).toMatchObject({ code: 'STORAGE_BUSY' })
  })

  it('leaves errors that are not from SQLite alone', () => {
    const bug = new TypeError('x is undefined')
    expect(translateSqliteError(bug)).toBe(bug)
    expect(isLrsError(translateSqliteError('text'))).toBe(false)
  })
})
