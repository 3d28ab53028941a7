import type { Db, Executor } from '../../lib/db.js';
import { type AllTables, table } from './tables.js';
import { type Keyset, newestFirst } from './keyset.js';

/** A marketplace event (sourcing conflicts, blocked submissions …), recorded by the ownership activities. */
export type MarketplaceEventRow = AllTables['marketplace_events'];

export interface MarketplaceEventFilter extends Keyset {
  type?: string;
  candidateId?: string;
}

const TABLE = 'marketplace_events';

export const marketplaceEventsDal = (db: Db) => ({
  /** Newest first, keyset-paginated on (occurred_at, id). */
  list(filter: MarketplaceEventFilter, trx: Executor = db): Promise<MarketplaceEventRow[]> {
    const q = table(trx, TABLE);
    if (filter.type) q.where({ type: filter.type });
    if (filter.candidateId) q.where({ candidate_id: filter.candidateId });
    return newestFirst(q, filter, TABLE, 'occurred_at');
  },
});
