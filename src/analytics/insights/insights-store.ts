/**
 * @module The insights tables of migration 0015 on a Kysely connection handed out by the
 * statement log (`read` for reports, `unitOfWork` for writes): competency definitions, their
 * defined alignments, target levels and trained models.
 */
import type { Kysely } from 'kysely'
import type { StoreId } from '../../storage/ports.js'
import type { DefinedCompetency } from './competency-catalogue.js'
import type { RiskModel } from './risk-model.js'

export type AnyDb = Kysely<Record<string, Record<string, unknown>>>

/** A target level of a competency for a scope: 'all', 'role:<role>' or 'cohort:<id>'. */
export interface Target {
  readonly competency: string
  readonly scope: string
  readonly level: number
}

export interface CompetencyInput extends DefinedCompetency {
  /** Activities aligned to it (replace the defined alignments; discovered ones stay). */
  readonly activities: readonly string[]
}

export async function definedCompetencies(
  db: AnyDb,
  storeId: StoreId,
): Promise<DefinedCompetency[]> {
  const rows = await db
    .selectFrom('in_competencies')
    .selectAll()
    .where('store_id', '=', storeId)
    .orderBy('competency_id')
    .execute()
  return rows.map((r) => ({
    id: String(r['competency_id']),
    name: String(r['name']),
    description: String(r['description']),
  }))
}

/** Upserts definitions and replaces their defined alignments; returns how many were new. */
export async function upsertCompetencies(
  db: AnyDb,
  storeId: StoreId,
  inputs: readonly CompetencyInput[],
  nowMs: number,
): Promise<{ created: number; updated: number }> {
  const existing = new Set((await definedCompetencies(db, storeId)).map((c) => c.id))
  for (const input of inputs) {
    await db
      .insertInto('in_competencies')
      .values({
        store_id: storeId,
        competency_id: input.id,
        name: input.name,
        description: input.description,
        updated_ms: nowMs,
      })
      .onConflict((oc) =>
        oc.columns(['store_id', 'competency_id']).doUpdateSet({
          name: input.name,
          description: input.description,
          updated_ms: nowMs,
        }),
      )
      .execute()
    await db
      .deleteFrom('in_links')
      .where('store_id', '=', storeId)
      .where('relation', '=', 'aligned')
      .where('related_id', '=', input.id)
      .where('source', '=', 'defined')
      .execute()
    for (const activity of new Set(input.activities))
      await db
        .insertInto('in_links')
        .values({
          store_id: storeId,
          relation: 'aligned',
          activity_id: activity,
          related_id: input.id,
          source: 'defined',
          statements: 0,
          weight: 1,
        })
        .execute()
  }
  const created = inputs.filter((i) => !existing.has(i.id)).length
  return { created, updated: inputs.length - created }
}

/** Deletes a definition, its defined alignments and its targets (discovered alignments stay). */
export async function deleteCompetency(db: AnyDb, storeId: StoreId, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('in_competencies')
    .where('store_id', '=', storeId)
    .where('competency_id', '=', id)
    .executeTakeFirst()
  await db
    .deleteFrom('in_links')
    .where('store_id', '=', storeId)
    .where('related_id', '=', id)
    .where('source', '=', 'defined')
    .execute()
  await db
    .deleteFrom('in_targets')
    .where('store_id', '=', storeId)
    .where('competency_id', '=', id)
    .execute()
  return Number(result.numDeletedRows) > 0
}

export async function listTargets(db: AnyDb, storeId: StoreId): Promise<Target[]> {
  const rows = await db
    .selectFrom('in_targets')
    .selectAll()
    .where('store_id', '=', storeId)
    .orderBy('competency_id')
    .orderBy('scope')
    .execute()
  return rows.map((r) => ({
    competency: String(r['competency_id']),
    scope: String(r['scope']),
    level: Number(r['level']),
  }))
}

/** Upserts targets; a `level` of null deletes the target. */
export async function putTargets(
  db: AnyDb,
  storeId: StoreId,
  targets: readonly { competency: string; scope: string; level: number | null }[],
): Promise<void> {
  for (const t of targets) {
    if (t.level === null) {
      await db
        .deleteFrom('in_targets')
        .where('store_id', '=', storeId)
        .where('competency_id', '=', t.competency)
        .where('scope', '=', t.scope)
        .execute()
      continue
    }
    await db
      .insertInto('in_targets')
      .values({ store_id: storeId, competency_id: t.competency, scope: t.scope, level: t.level })
      .onConflict((oc) =>
        oc.columns(['store_id', 'competency_id', 'scope']).doUpdateSet({ level: t.level }),
      )
      .execute()
  }
}

export async function saveRiskModels(
  db: AnyDb,
  storeId: StoreId,
  models: readonly RiskModel[],
  nowMs: number,
): Promise<void> {
  for (const model of models) {
    const body = JSON.stringify(model)
    await db
      .insertInto('in_models')
      .values({ store_id: storeId, kind: 'risk', course: model.course, trained_ms: nowMs, body })
      .onConflict((oc) =>
        oc.columns(['store_id', 'kind', 'course']).doUpdateSet({ trained_ms: nowMs, body }),
      )
      .execute()
  }
}

export async function riskModels(db: AnyDb, storeId: StoreId): Promise<RiskModel[]> {
  const rows = await db
    .selectFrom('in_models')
    .select(['body'])
    .where('store_id', '=', storeId)
    .where('kind', '=', 'risk')
    .orderBy('course')
    .execute()
  return rows.map((r) => JSON.parse(String(r['body'])) as RiskModel)
}
