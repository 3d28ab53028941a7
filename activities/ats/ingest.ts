import { createHash, randomUUID } from 'node:crypto';
import type { Executor } from '../../lib/db.js';
import { canonicalStage } from '../../domain/ats-stages.js';
import { atsSyncDal, type MappedRecord, type MappingWrite } from '../../db/dal/ats-sync.js';
import type { AtsPlatform, CanonicalApplication, CanonicalCandidate, CanonicalEvent, CanonicalJob, SyncEntity } from './types.js';

/**
 * Canonical records → our rows, one page at a time inside the caller's transaction:
 * each external id is mapped once (external_entity_map, unique both ways), an unchanged
 * record (same content hash) is not written again, deletions are soft, and a moved
 * application gets a stage-history row and a canonical `application.stage_changed` event.
 */
export type { PageCounts } from '../../domain/ats.js';
import type { PageCounts } from '../../domain/ats.js';

export interface StageMove {
  applicationId: string;
  applicationExternalId: string;
  candidateId: string;
  jobId: string;
  /** Canonical stages (domain/ats-stages.ts). */
  stageFrom: string | null;
  stageTo: string;
  /** The ATS's own stage names, which its event log keeps. */
  labelFrom: string | null;
  /** Null when the platform names no stage (the row's label is cleared). */
  labelTo: string | null;
  at: string;
}

type MapRow = MappedRecord;

/** What an application's stage reads when the platform named none (a connector's `stage: ''`). */

const ENTITY_TYPE = { jobs: 'job', candidates: 'candidate', applications: 'application' } as const satisfies Record<SyncEntity, string>;

export const contentHash = (fields: unknown) => createHash('sha256').update(JSON.stringify(fields)).digest('hex');

export interface IngestContext {
  trx: Executor;
  integrationId: string;
  platform: AtsPlatform;
  companyId: string;
  runId: string;
  now: Date;
}

type EntityType = (typeof ENTITY_TYPE)[SyncEntity];

/** The storage of a page, inside the caller's transaction. */
const store = (ctx: Pick<IngestContext, 'trx'>) => atsSyncDal(ctx.trx);

async function mapped(ctx: IngestContext, entityType: EntityType, externalIds: string[]): Promise<Map<string, MapRow>> {
  const rows = await store(ctx).mappings(ctx.integrationId, entityType, externalIds);
  return new Map(rows.map((r) => [r.external_id, r]));
}

const remember = (ctx: IngestContext, entityType: EntityType, rows: MappingWrite[]) => store(ctx).rememberMappings(ctx, entityType, rows);

/** Marks records of the page as seen by this run, changed or not (full scans find deletions by this). */
const markSeen = (ctx: IngestContext, entityType: EntityType, externalIds: string[]) =>
  store(ctx).markSeen(ctx.integrationId, entityType, externalIds, ctx.runId);

/**
 * Upserts one entity type's page. `fields` is what we store (and hash); `insert` and
 * `update` write our row; `softDelete` hides it.
 */
async function upsertPage<T extends { externalId: string; updatedAt: string | null; deleted: boolean }>(
  ctx: IngestContext,
  entity: SyncEntity,
  items: T[],
  ops: {
    fields(item: T): unknown;
    insert(items: { item: T; id: string }[]): Promise<void>;
    update(item: T, id: string): Promise<void>;
    softDelete(ids: string[]): Promise<void>;
  },
): Promise<PageCounts> {
  const entityType = ENTITY_TYPE[entity];
  // The last occurrence of an id in a page wins (a platform may repeat one across a boundary).
  const unique = [...new Map(items.map((i) => [i.externalId, i])).values()];
  const known = await mapped(
    ctx,
    entityType,
    unique.map((i) => i.externalId),
  );
  const counts: PageCounts = { received: items.length, created: 0, updated: 0, deleted: 0, unchanged: 0 };
  const fresh: { item: T; id: string }[] = [];
  const changedMaps: Parameters<typeof remember>[2] = [];
  const seen: string[] = [];
  const deletions: string[] = [];
  for (const item of unique) {
    const row = known.get(item.externalId);
    if (item.deleted) {
      if (row && !row.deleted_at) {
        deletions.push(row.internal_id);
        changedMaps.push({
          externalId: item.externalId,
          internalId: row.internal_id,
          hash: row.content_hash,
          remoteUpdatedAt: item.updatedAt,
          deleted: true,
        });
        counts.deleted++;
      } else {
        counts.unchanged++;
      }
      continue;
    }
    const hash = contentHash(ops.fields(item));
    if (!row) {
      const id = randomUUID();
      fresh.push({ item, id });
      changedMaps.push({ externalId: item.externalId, internalId: id, hash, remoteUpdatedAt: item.updatedAt, deleted: false });
      counts.created++;
    } else if (row.content_hash !== hash || row.deleted_at) {
      await ops.update(item, row.internal_id);
      changedMaps.push({ externalId: item.externalId, internalId: row.internal_id, hash, remoteUpdatedAt: item.updatedAt, deleted: false });
      counts.updated++;
    } else {
      seen.push(item.externalId);
      counts.unchanged++;
    }
  }
  if (fresh.length) await ops.insert(fresh);
  if (deletions.length) await ops.softDelete(deletions);
  await remember(ctx, entityType, changedMaps);
  await markSeen(ctx, entityType, seen);
  return counts;
}

const jobStatus = (j: CanonicalJob) => (j.status === 'open' ? 'open' : 'closed');

export async function ingestJobs(ctx: IngestContext, items: CanonicalJob[]): Promise<PageCounts> {
  const dal = store(ctx);
  return upsertPage(ctx, 'jobs', items, {
    fields: (j) => [j.title, j.status],
    insert: async (rows) => {
      await dal.insertJobs(
        rows.map(({ item, id }) => ({
          id,
          company_id: ctx.companyId,
          title: item.title,
          status: jobStatus(item),
          source_integration_id: ctx.integrationId,
          created_at: ctx.now,
        })),
      );
    },
    update: async (j, id) => {
      await dal.updateJob(id, { title: j.title, status: jobStatus(j), deleted_at: null });
    },
    softDelete: async (ids) => {
      await dal.closeDeletedJobs(ids, ctx.now);
    },
  });
}

export async function ingestCandidates(ctx: IngestContext, items: CanonicalCandidate[]): Promise<PageCounts> {
  const dal = store(ctx);
  return upsertPage(ctx, 'candidates', items, {
    fields: (c) => [c.fullName, c.email],
    insert: async (rows) => {
      await dal.insertCandidates(
        rows.map(({ item, id }) => ({
          id,
          full_name: item.fullName || 'Unnamed candidate',
          email: item.email,
          source_integration_id: ctx.integrationId,
          created_at: ctx.now,
        })),
      );
    },
    update: async (c, id) => {
      await dal.updateCandidate(id, { full_name: c.fullName || 'Unnamed candidate', email: c.email, deleted_at: null });
    },
    softDelete: async (ids) => {
      await dal.softDeleteCandidates(ids, ctx.now);
    },
  });
}

/**
 * A referenced candidate or job the run has not listed yet (another entity's page, a
 * webhook first): a placeholder row, mapped, which that entity's sync fills in later.
 */
async function ensureMapped(ctx: IngestContext, entity: 'candidates' | 'jobs', externalIds: string[]): Promise<Map<string, string>> {
  const entityType = ENTITY_TYPE[entity];
  const known = await mapped(ctx, entityType, [...new Set(externalIds)]);
  const missing = [...new Set(externalIds)].filter((e) => !known.has(e));
  if (missing.length) {
    const rows = missing.map((externalId) => ({ externalId, id: randomUUID() }));
    if (entity === 'candidates') {
      await store(ctx).insertCandidates(
        rows.map((r) => ({ id: r.id, full_name: 'Candidate (syncing)', source_integration_id: ctx.integrationId, created_at: ctx.now })),
      );
    } else {
      await store(ctx).insertJobs(
        rows.map((r) => ({
          id: r.id,
          company_id: ctx.companyId,
          title: 'Job (syncing)',
          status: 'open',
          source_integration_id: ctx.integrationId,
          created_at: ctx.now,
        })),
      );
    }
    await remember(
      ctx,
      entityType,
      rows.map((r) => ({ externalId: r.externalId, internalId: r.id, hash: null, remoteUpdatedAt: null, deleted: false })),
    );
    for (const r of rows) known.set(r.externalId, { external_id: r.externalId, internal_id: r.id, content_hash: null, deleted_at: null });
  }
  return new Map([...known].map(([ext, row]) => [ext, row.internal_id]));
}

/** Applications of a page; returns the counts and the stage moves of applications we already had. */
export async function ingestApplications(
  ctx: IngestContext,
  items: CanonicalApplication[],
): Promise<PageCounts & { moves: StageMove[]; skipped: number }> {
  const dal = store(ctx);
  // An application without a job cannot be one of ours (e.g. a Lever opportunity with no posting).
  const usable = items.filter((a) => a.deleted || a.jobExternalId !== null);
  const live = usable.filter((a) => !a.deleted);
  const [candidates, jobs] = await Promise.all([
    ensureMapped(
      ctx,
      'candidates',
      live.map((a) => a.candidateExternalId),
    ),
    ensureMapped(
      ctx,
      'jobs',
      live.map((a) => a.jobExternalId!),
    ),
  ]);
  const moves: StageMove[] = [];
  const counts = await upsertPage(ctx, 'applications', usable, {
    fields: (a) => [a.candidateExternalId, a.jobExternalId, a.stage, a.status],
    insert: async (rows) => {
      await dal.insertApplications(
        rows.map(({ item, id }) => ({
          id,
          candidate_id: candidates.get(item.candidateExternalId),
          job_id: jobs.get(item.jobExternalId!),
          stage: canonicalStage(item.stage, item.status),
          stage_label: item.stage || null,
          status: item.status,
          source_integration_id: ctx.integrationId,
          stage_changed_at: item.updatedAt ? new Date(item.updatedAt) : ctx.now,
          stage_label_changed_at: item.stage ? (item.updatedAt ? new Date(item.updatedAt) : ctx.now) : null,
          created_at: ctx.now,
        })),
      );
    },
    update: async (a, id) => {
      const before = await dal.findApplication(id);
      const at = a.updatedAt ?? ctx.now.toISOString();
      // A stage we already know (e.g. set by a webhook) is not replaced by an unknown one, nor by one older than it.
      const unknown = !a.stage && a.status === 'active';
      const lastChange = before?.stage_label_changed_at ?? before?.stage_changed_at;
      const older = a.updatedAt !== null && lastChange && new Date(a.updatedAt) < lastChange;
      const keep = before && (unknown || older);
      const stage = keep ? before.stage : canonicalStage(a.stage, a.status);
      const label = keep ? before.stage_label : a.stage || null;
      await dal.updateApplication(id, {
        stage,
        stage_label: label,
        status: a.status,
        deleted_at: null,
        ...(before?.stage !== stage && { stage_changed_at: new Date(at) }),
        ...(before?.stage_label !== label && { stage_label_changed_at: new Date(at) }),
      });
      // A rename inside one canonical stage (Technical Interview → Onsite) changes the label only.
      if (before && before.stage !== stage) {
        moves.push({
          applicationId: id,
          applicationExternalId: a.externalId,
          candidateId: before.candidate_id,
          jobId: before.job_id,
          stageFrom: before.stage,
          stageTo: stage,
          labelFrom: before.stage_label,
          labelTo: label,
          at,
        });
      }
    },
    softDelete: async (ids) => {
      await dal.softDeleteApplications(ids, ctx.now);
    },
  });
  for (const move of moves) await recordStageMove(ctx, move, 'sync');
  return { ...counts, moves, skipped: items.length - usable.length };
}

/** The stage history row and the canonical event of a move (both once, keyed by the move). */
export async function recordStageMove(ctx: IngestContext, move: StageMove, via: 'sync' | 'webhook', providerEventId?: string) {
  const key = `ats:${ctx.integrationId}:${move.applicationExternalId}:${move.stageTo}:${move.at}`;
  await store(ctx).recordStageHistory({
    application_id: move.applicationId,
    from_stage: move.stageFrom,
    to_stage: move.stageTo,
    actor_user_id: null,
    actor_role: 'system',
    source: 'ats',
    reason: `moved in the ATS (${via})`,
    occurred_at: new Date(move.at),
    change_key: key,
  });
  if (via === 'sync') {
    await insertEvents(
      ctx,
      [
        {
          eventType: 'application.stage_changed',
          providerEventId: providerEventId ?? `sync:${move.applicationExternalId}:${move.stageTo}:${move.at}`,
          provider: ctx.platform,
          candidateExternalId: null,
          applicationExternalId: move.applicationExternalId,
          jobExternalId: null,
          stageFrom: move.labelFrom,
          stageTo: move.labelTo,
          actor: null,
          timestamp: move.at,
          metadata: { via, stageFrom: move.stageFrom, stageTo: move.stageTo },
        },
      ],
      ctx.now,
    );
  }
}

/** Stores canonical events once per (integration, provider event id); returns the ones that were new. */
export async function insertEvents(
  ctx: Pick<IngestContext, 'trx' | 'integrationId'>,
  events: CanonicalEvent[],
  receivedAt: Date,
): Promise<CanonicalEvent[]> {
  const unique = [...new Map(events.map((e) => [e.providerEventId, e])).values()];
  if (unique.length === 0) return [];
  const fresh = await store(ctx).insertEvents(
    unique.map((e) => ({
      integration_id: ctx.integrationId,
      provider_event_id: e.providerEventId,
      provider: e.provider,
      event_type: e.eventType,
      candidate_external_id: e.candidateExternalId,
      application_external_id: e.applicationExternalId,
      job_external_id: e.jobExternalId,
      stage_from: e.stageFrom,
      stage_to: e.stageTo,
      actor: e.actor,
      occurred_at: new Date(e.timestamp),
      metadata: JSON.stringify(e.metadata),
      received_at: receivedAt,
    })),
  );
  return unique.filter((e) => fresh.has(e.providerEventId));
}
