import type { Db, Executor } from '../../lib/db.js';
import { type Keyset, newestFirst } from './keyset.js';
import { insertOnce } from './once.js';
import { type AllTables, table } from './tables.js';

/** A row of the append-only decision_audit_log: an admin's, the system's or an AI model's decision. */
export type DecisionRow = AllTables['decision_audit_log'];

export interface DecisionFilter {
  companyId?: string;
  entityType?: string;
  entityId?: string;
  decisionType?: string;
  source?: DecisionRow['source'];
  minConfidence?: number;
  maxConfidence?: number;
  from?: Date;
  to?: Date;
}

export type NewDecision = Omit<DecisionRow, 'id' | 'confidence'> & { confidence: number | null };

const TABLE = 'decision_audit_log';

export const decisionsDal = (db: Db) => ({
  /** Appends a decision once (keyed); returns the stored row, or undefined when its key was taken. */
  async insert(row: NewDecision, trx: Executor = db): Promise<DecisionRow | undefined> {
    const { row: stored, inserted } = await insertOnce(
      trx,
      TABLE,
      { ...row, details: row.details === undefined ? null : JSON.stringify(row.details) } as never,
      { key: ['decision_key'] },
    );
    return inserted ? stored : undefined;
  },

  find: (id: number, trx: Executor = db) => table(trx, TABLE).where({ id }).first(),

  overrideOf: (id: number, trx: Executor = db) => table(trx, TABLE).where({ overrides_decision_id: id }).first(),

  /** Newest first; human overrides are listed beside the decisions they override (see `overridesOf`). */
  list(filter: DecisionFilter & Keyset, trx: Executor = db): Promise<DecisionRow[]> {
    const q = table(trx, TABLE);
    if (filter.companyId) q.where({ company_id: filter.companyId });
    if (filter.entityType) q.where({ entity_type: filter.entityType });
    if (filter.entityId) q.where({ entity_id: filter.entityId });
    if (filter.decisionType) q.where({ decision: filter.decisionType });
    if (filter.source) q.where({ source: filter.source });
    if (filter.minConfidence !== undefined) q.where('confidence', '>=', filter.minConfidence);
    if (filter.maxConfidence !== undefined) q.where('confidence', '<=', filter.maxConfidence);
    if (filter.from) q.where('occurred_at', '>=', filter.from);
    if (filter.to) q.where('occurred_at', '<', filter.to);
    return newestFirst(q, filter, TABLE, 'occurred_at');
  },

  /** Which company an entity belongs to (null: the marketplace's, e.g. a candidate), or undefined when it does not exist. */
  async companyOfEntity(entityType: string, entityId: string, trx: Executor = db): Promise<string | null | undefined> {
    switch (entityType) {
      case 'candidate':
        return (await table(trx, 'candidates').where({ id: entityId }).first('id')) ? null : undefined;
      case 'application':
        return (
          await table(trx, 'applications')
            .join('jobs', 'jobs.id', 'applications.job_id')
            .where('applications.id', entityId)
            .first<{ company_id: string } | undefined>('jobs.company_id')
        )?.company_id;
      case 'proposal':
        return (await table(trx, 'candidate_role_assignments').where({ id: entityId }).first('company_id'))?.company_id;
      case 'placement':
        return (await table(trx, 'placements').where({ id: entityId }).first('company_id'))?.company_id;
      case 'job':
        return (await table(trx, 'jobs').where({ id: entityId }).first('company_id'))?.company_id;
      default:
        return undefined;
    }
  },

  /** The overrides of the given decisions, by the id they override. */
  async overridesOf(ids: number[], trx: Executor = db): Promise<Map<number, DecisionRow>> {
    if (ids.length === 0) return new Map();
    const rows = await table(trx, TABLE).whereIn('overrides_decision_id', ids);
    return new Map(rows.map((r) => [r.overrides_decision_id!, r]));
  },
});
