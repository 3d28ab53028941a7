import type { Db, Executor } from '../../lib/db.js';
import type { SyncEntity } from '../../domain/ats.js';
import { type Keyset, newestFirst } from './keyset.js';
import { type AllTables, table } from './tables.js';

export type IntegrationRow = AllTables['integrations'];

export interface CheckpointRow {
  integration_id: string;
  entity: SyncEntity;
  checkpoint: string | null;
  run_id: string | null;
  run_mode: string | null;
  run_started_at: Date | null;
  cursor: string | null;
  pages_done: number;
  last_success_at: Date | null;
  last_error: string | null;
  version: number;
  updated_at: Date;
}

export type SyncLogRow = Omit<AllTables['sync_logs'], 'log_key'>;

/** Integrations, their checkpoints and sync logs. */
export const integrationsDal = (db: Db) => ({
  find: (id: string, trx: Executor = db) => table(trx, 'integrations').where({ id }).whereNot({ state: 'deleted' }).first(),

  /** Also a disconnected one: its sync log stays on record. */
  findEvenDisconnected: (id: string, trx: Executor = db) => table(trx, 'integrations').where({ id }).first(),

  list(filter: Keyset & { companyId?: string }, trx: Executor = db): Promise<IntegrationRow[]> {
    const q = table(trx, 'integrations').whereNot({ state: 'deleted' });
    if (filter.companyId) q.where({ company_id: filter.companyId });
    return newestFirst(q, filter);
  },

  /** The company's integrations that push accepted proposals' applications. */
  pushing: (companyId: string, trx: Executor = db) =>
    table(trx, 'integrations')
      .where({ company_id: companyId, push_applications: true })
      .whereIn('state', ['active', 'paused', 'auth_failed']),

  /** Which of these provider event ids the integration has already stored. */
  async knownEventIds(integrationId: string, providerEventIds: string[], trx: Executor = db): Promise<Set<string>> {
    if (providerEventIds.length === 0) return new Set();
    const rows = await table(trx, 'ats_events')
      .where({ integration_id: integrationId })
      .whereIn('provider_event_id', providerEventIds)
      .select('provider_event_id');
    return new Set(rows.map((r) => r.provider_event_id));
  },

  checkpoints: (integrationId: string, trx: Executor = db) => table(trx, 'sync_checkpoints').where({ integration_id: integrationId }),

  logs(
    filter: Keyset & { integrationId: string; entity?: SyncEntity; status?: 'ok' | 'error'; runId?: string },
    trx: Executor = db,
  ): Promise<SyncLogRow[]> {
    const q = table(trx, 'sync_logs').where({ integration_id: filter.integrationId });
    if (filter.entity) q.where({ entity: filter.entity });
    if (filter.status) q.where({ status: filter.status });
    if (filter.runId) q.where({ run_id: filter.runId });
    return newestFirst(q, filter, 'sync_logs', 'occurred_at');
  },
});
