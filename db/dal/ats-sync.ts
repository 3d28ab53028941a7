import type { Db, Executor } from '../../lib/db.js';
import type { SyncEntity } from '../../domain/ats.js';
import { insertManyOnce, insertOnce, withTransaction } from './once.js';
import { type AllTables, table } from './tables.js';

type Checkpoint = AllTables['sync_checkpoints'];
type MapEntry = AllTables['external_entity_map'];
type EntityType = 'job' | 'candidate' | 'application';
export interface CheckpointKey {
  integration_id: string;
  entity: SyncEntity;
}
/** One external id's mapping as ingest reads it. */
export type MappedRecord = Pick<MapEntry, 'external_id' | 'internal_id' | 'content_hash' | 'deleted_at'>;
export interface MappingWrite {
  externalId: string;
  internalId: string;
  hash: string | null;
  remoteUpdatedAt: string | null;
  deleted: boolean;
}

const ENTITY_TABLE = { job: 'jobs', candidate: 'candidates', application: 'applications' } as const;

/**
 * The ATS sync's storage: integration rows, per-entity run checkpoints (optimistically
 * locked by `version`), sync logs, the external-id map, synced jobs/candidates/applications
 * and the canonical event log. Every function takes the caller's transaction.
 */
export const atsSyncDal = (db: Db) => ({
  /** Records an integration once by id; a second live one of the company's platform still raises the unique violation. */
  recordIntegration: (row: Partial<AllTables['integrations']>, trx: Executor = db) => insertOnce(trx, 'integrations', row, { key: ['id'] }),

  async updateIntegration(id: string, patch: Partial<AllTables['integrations']>, trx: Executor = db) {
    await table(trx, 'integrations').where({ id }).update(patch);
  },

  /**
   * Claims the checkpoint row of `key` for run `runId` in its own transaction: the row is
   * created once, locked, and restarted (cursor cleared, version bumped) unless this run
   * already holds it (a retried activity resumes).
   */
  claimSyncRun(key: CheckpointKey, run: { runId: string; mode: 'incremental' | 'full' }): Promise<Checkpoint> {
    return withTransaction(db, async (trx) => {
      await insertOnce(trx, 'sync_checkpoints', { ...key, updated_at: new Date() }, { key: ['integration_id', 'entity'] });
      const row = (await table(trx, 'sync_checkpoints').where(key).forUpdate().first())!;
      if (row.run_id === run.runId) return row; // resuming this run
      const [started] = await table(trx, 'sync_checkpoints')
        .where(key)
        .update({
          run_id: run.runId,
          run_mode: run.mode,
          run_started_at: trx.raw('now()'),
          cursor: null,
          pages_done: 0,
          version: row.version + 1,
          updated_at: new Date(),
        })
        .returning('*');
      return started!;
    });
  },

  /**
   * Saves a run's progress if it still holds the checkpoint (same run, same version);
   * undefined when a newer run took over.
   */
  async advanceSyncRun(
    key: CheckpointKey,
    held: { runId: string; version: number },
    patch: Partial<Checkpoint>,
    trx: Executor = db,
  ): Promise<Checkpoint | undefined> {
    const [saved] = await table(trx, 'sync_checkpoints')
      .where({ ...key, version: held.version, run_id: held.runId })
      .update({ ...patch, version: held.version + 1 })
      .returning('*');
    return saved;
  },

  async recordSyncError(key: CheckpointKey, error: string, trx: Executor = db) {
    await table(trx, 'sync_checkpoints').where(key).update({ last_error: error, updated_at: new Date() });
  },

  /** One log row per page (or failed attempt), once by `log_key`. */
  async logSyncPage(row: Partial<AllTables['sync_logs']> & { log_key: string }, trx: Executor = db) {
    await insertOnce(trx, 'sync_logs', row, { key: ['log_key'] });
  },

  findMapping: (integrationId: string, entityType: EntityType, externalId: string, trx: Executor = db) =>
    table(trx, 'external_entity_map').where({ integration_id: integrationId, entity_type: entityType, external_id: externalId }).first(),

  findMappingOf: (integrationId: string, entityType: EntityType, internalId: string, trx: Executor = db) =>
    table(trx, 'external_entity_map').where({ integration_id: integrationId, entity_type: entityType, internal_id: internalId }).first(),

  /** The mappings of `externalIds` (those the integration has seen). */
  async mappings(integrationId: string, entityType: EntityType, externalIds: string[], trx: Executor = db): Promise<MappedRecord[]> {
    if (externalIds.length === 0) return [];
    return table(trx, 'external_entity_map')
      .where({ integration_id: integrationId, entity_type: entityType })
      .whereIn('external_id', externalIds)
      .select('external_id', 'internal_id', 'content_hash', 'deleted_at');
  },

  /** Writes mappings, updating those already there (hash, remote time, seen run, deletion). */
  async rememberMappings(
    ctx: { integrationId: string; runId: string; now: Date },
    entityType: EntityType,
    rows: MappingWrite[],
    trx: Executor = db,
  ) {
    if (rows.length === 0) return;
    await table(trx, 'external_entity_map')
      .insert(
        rows.map((r) => ({
          integration_id: ctx.integrationId,
          entity_type: entityType,
          external_id: r.externalId,
          internal_id: r.internalId,
          content_hash: r.hash,
          remote_updated_at: r.remoteUpdatedAt,
          seen_run_id: ctx.runId,
          deleted_at: r.deleted ? ctx.now : null,
          updated_at: ctx.now,
        })),
      )
      .onConflict(['integration_id', 'entity_type', 'external_id'])
      .merge(['content_hash', 'remote_updated_at', 'seen_run_id', 'deleted_at', 'updated_at']);
  },

  /** Maps a pushed record once (the platform's id for our row). */
  async mapPushed(
    row: Pick<MapEntry, 'integration_id' | 'entity_type' | 'external_id' | 'internal_id' | 'updated_at'>,
    trx: Executor = db,
  ) {
    await insertOnce(trx, 'external_entity_map', row, { key: ['integration_id', 'entity_type', 'external_id'] });
  },

  /**
   * Maps the candidate a push created once. Unlike mapPushed, a conflict on either unique
   * key is ignored: the candidate may already be mapped under another external id (synced
   * earlier), and that mapping stays.
   */
  async mapPushedCandidate(row: Pick<MapEntry, 'integration_id' | 'external_id' | 'internal_id' | 'updated_at'>, trx: Executor = db) {
    await table(trx, 'external_entity_map')
      .insert({ ...row, entity_type: 'candidate' })
      .onConflict()
      .ignore();
  },

  /** Marks records as seen by `runId`, changed or not (full scans find deletions by this). */
  async markSeen(integrationId: string, entityType: EntityType, externalIds: string[], runId: string, trx: Executor = db) {
    if (externalIds.length === 0) return;
    await table(trx, 'external_entity_map')
      .where({ integration_id: integrationId, entity_type: entityType })
      .whereIn('external_id', externalIds)
      .update({ seen_run_id: runId });
  },

  /** Forgets a mapping's content hash, so the next sync rewrites the record rather than announcing it as changed. */
  async forgetContentHash(integrationId: string, entityType: EntityType, externalId: string, trx: Executor = db) {
    await table(trx, 'external_entity_map')
      .where({ integration_id: integrationId, entity_type: entityType, external_id: externalId })
      .update({ content_hash: null });
  },

  /**
   * Soft-deletes one mapped record the platform reported deleted; a deleted candidate takes
   * this integration's applications of theirs along.
   */
  async softDeleteMapped(
    integrationId: string,
    entityType: 'candidate' | 'application',
    externalId: string,
    now: Date,
    trx: Executor = db,
  ) {
    const [map] = await table(trx, 'external_entity_map')
      .where({ integration_id: integrationId, entity_type: entityType, external_id: externalId })
      .update({ deleted_at: now, updated_at: now })
      .returning('internal_id');
    if (!map) return;
    if (entityType === 'application') {
      await table(trx, 'applications').where({ id: map.internal_id }).update({ deleted_at: now });
      return;
    }
    await table(trx, 'candidates').where({ id: map.internal_id }).update({ deleted_at: now });
    const apps = await table(trx, 'applications')
      .where({ candidate_id: map.internal_id, source_integration_id: integrationId })
      .whereNull('deleted_at')
      .update({ deleted_at: now })
      .returning('id');
    const ids = apps.map((a) => a.id);
    if (ids.length)
      await table(trx, 'external_entity_map')
        .where({ integration_id: integrationId, entity_type: 'application' })
        .whereIn('internal_id', ids)
        .update({ deleted_at: now, updated_at: now });
  },

  /** Soft-deletes the records of `entityType` a complete run did not list (gone from the platform); returns how many. */
  async softDeleteUnlisted(integrationId: string, entityType: EntityType, runId: string, now: Date, trx: Executor = db): Promise<number> {
    const gone = await table(trx, 'external_entity_map')
      .where({ integration_id: integrationId, entity_type: entityType })
      .whereNull('deleted_at')
      .andWhere((w) => w.whereNull('seen_run_id').orWhereNot({ seen_run_id: runId }))
      .whereNotNull('content_hash') // placeholders and pushed records have not been listed yet
      .update({ deleted_at: now, updated_at: now })
      .returning('internal_id');
    const ids = gone.map((g) => g.internal_id);
    if (ids.length) await table(trx, ENTITY_TABLE[entityType]).whereIn('id', ids).update({ deleted_at: now });
    return ids.length;
  },

  async insertJobs(rows: Partial<AllTables['jobs']>[], trx: Executor = db) {
    await table(trx, 'jobs').insert(rows);
  },
  async updateJob(id: string, patch: Partial<AllTables['jobs']>, trx: Executor = db) {
    await table(trx, 'jobs').where({ id }).update(patch);
  },
  async closeDeletedJobs(ids: string[], now: Date, trx: Executor = db) {
    await table(trx, 'jobs').whereIn('id', ids).update({ deleted_at: now, status: 'closed' });
  },

  async insertCandidates(rows: Partial<AllTables['candidates']>[], trx: Executor = db) {
    await table(trx, 'candidates').insert(rows);
  },
  async updateCandidate(id: string, patch: Partial<AllTables['candidates']>, trx: Executor = db) {
    await table(trx, 'candidates').where({ id }).update(patch);
  },
  async softDeleteCandidates(ids: string[], now: Date, trx: Executor = db) {
    await table(trx, 'candidates').whereIn('id', ids).update({ deleted_at: now });
  },

  /** Synced applications, once per (candidate, job): one the candidate already has for the job stays. */
  async insertApplications(rows: Partial<AllTables['applications']>[], trx: Executor = db) {
    await insertManyOnce(trx, 'applications', rows, { key: ['candidate_id', 'job_id'] });
  },
  findApplication: (id: string, trx: Executor = db) => table(trx, 'applications').where({ id }).first(),
  async updateApplication(id: string, patch: Partial<AllTables['applications']>, trx: Executor = db) {
    await table(trx, 'applications').where({ id }).update(patch);
  },
  async softDeleteApplications(ids: string[], now: Date, trx: Executor = db) {
    await table(trx, 'applications').whereIn('id', ids).update({ deleted_at: now });
  },

  /** A stage move's history row, once by `change_key`. */
  async recordStageHistory(row: Partial<AllTables['application_stage_history']> & { change_key: string }, trx: Executor = db) {
    await insertOnce(trx, 'application_stage_history', row, { key: ['change_key'] });
  },

  /** Stores canonical events once per (integration, provider event id); returns the provider ids that were new. */
  async insertEvents(rows: Partial<AllTables['ats_events']>[], trx: Executor = db): Promise<Set<string>> {
    const inserted = await insertManyOnce(trx, 'ats_events', rows, { key: ['integration_id', 'provider_event_id'] });
    return new Set(inserted.map((r) => r.provider_event_id));
  },

  /** What a push needs: the proposal, its application and its candidate. */
  async pushable(proposalId: string, trx: Executor = db) {
    const proposal = await table(trx, 'candidate_role_assignments').where({ id: proposalId }).first();
    const application = await table(trx, 'applications').where({ source_proposal_id: proposalId }).first();
    return { proposal, application };
  },
  findCandidate: (id: string, trx: Executor = db) => table(trx, 'candidates').where({ id }).first(),
});
