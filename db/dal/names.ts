import type { Db } from '../../lib/db.js';
import { table } from './tables.js';

/**
 * What people and companies are called, for responses that would otherwise show bare ids
 * (the header, the decision log). A recruiter goes by their display name, anyone else by
 * their user name; an id without a row (e.g. a token for a user who is not in the
 * directory) is simply absent from the map.
 */
export const namesDal = (db: Db) => ({
  async people(userIds: (string | null)[]): Promise<Map<string, string>> {
    const ids = [...new Set(userIds.filter((id): id is string => !!id))];
    if (ids.length === 0) return new Map();
    const rows: { id: string; name: string }[] = await table(db, 'users')
      .leftJoin('recruiters', 'recruiters.user_id', 'users.id')
      .whereIn('users.id', ids)
      .select('users.id', db.raw('coalesce(recruiters.display_name, users.name) as name'));
    return new Map(rows.map((r) => [r.id, r.name]));
  },

  async companies(companyIds: (string | null)[]): Promise<Map<string, string>> {
    const ids = [...new Set(companyIds.filter((id): id is string => !!id))];
    if (ids.length === 0) return new Map();
    const rows: { id: string; name: string }[] = await table(db, 'companies').whereIn('id', ids).select('id', 'name');
    return new Map(rows.map((r) => [r.id, r.name]));
  },
});
