import type { Db, Executor } from '../../lib/db.js';
import { type AllTables, table } from './tables.js';
import { type Keyset, newestFirst } from './keyset.js';

/** A marketplace event (sourcing conflicts, blocked submissions …), recorded by the ownership activities. */
export type MarketplaceEventRow = AllTables['marketplace_events'];

/** An event with the names people read: the candidate's, the recruiter's and the actor's (null when none or unknown). */
export interface MarketplaceEventView extends MarketplaceEventRow {
  candidate_name: string | null;
  recruiter_name: string | null;
  actor_name: string | null;
}

export interface MarketplaceEventFilter extends Keyset {
  type?: string;
  candidateId?: string;
}

const TABLE = 'marketplace_events';

export const marketplaceEventsDal = (db: Db) => ({
  /** Newest first, keyset-paginated on (occurred_at, id). */
  list(filter: MarketplaceEventFilter, trx: Executor = db): Promise<MarketplaceEventView[]> {
    const q = table(trx, TABLE)
      .leftJoin('candidates', 'candidates.id', `${TABLE}.candidate_id`)
      .leftJoin('recruiters', 'recruiters.id', `${TABLE}.recruiter_id`)
      .leftJoin('users as actor', 'actor.id', `${TABLE}.actor_user_id`)
      .leftJoin('recruiters as actor_recruiter', 'actor_recruiter.user_id', `${TABLE}.actor_user_id`)
      .select<MarketplaceEventView[]>(
        `${TABLE}.*`,
        'candidates.full_name as candidate_name',
        'recruiters.display_name as recruiter_name',
        trx.raw('coalesce(actor_recruiter.display_name, actor.name) as actor_name'),
      );
    if (filter.type) q.where(`${TABLE}.type`, filter.type);
    if (filter.candidateId) q.where(`${TABLE}.candidate_id`, filter.candidateId);
    return newestFirst(q, filter, TABLE, 'occurred_at');
  },
});
