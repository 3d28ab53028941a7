import type { Db } from '../../lib/db.js';
import { table } from './tables.js';

const present = (ids: (string | null | undefined)[]) => [...new Set(ids.filter((id): id is string => !!id))];

/**
 * What people and companies are called, for responses that would otherwise show bare ids
 * (the header, histories, the decision log, marketplace events, approvals). A recruiter goes
 * by their display name, anyone else by their user name; an id without a row (e.g. a token
 * for a user who is not in the directory) is simply absent from the map.
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

  /** Recruiter profile ids → display names (collaborators, sourcers, outreach senders). */
  async recruiters(recruiterIds: (string | null | undefined)[]): Promise<Map<string, string>> {
    const ids = present(recruiterIds);
    if (ids.length === 0) return new Map();
    const rows = await table(db, 'recruiters').whereIn('id', ids).select('id', 'display_name');
    return new Map(rows.map((r) => [r.id, r.display_name]));
  },

  /**
   * Any ids a free-form record mentions (a marketplace event's details: the owner, a job, a
   * recruiter) → what people call them: a recruiter's or user's name, a candidate's name, a
   * job's title or a company's name. Ids of nothing known are absent.
   */
  async anything(anyIds: (string | null | undefined)[]): Promise<Map<string, string>> {
    const ids = present(anyIds);
    if (ids.length === 0) return new Map();
    const [recruiters, people, candidates, jobs, companies] = await Promise.all([
      this.recruiters(ids),
      this.people(ids),
      table(db, 'candidates').whereIn('id', ids).select('id', 'full_name'),
      table(db, 'jobs').whereIn('id', ids).select('id', 'title'),
      this.companies(ids),
    ]);
    return new Map([
      ...companies,
      ...jobs.map((j): [string, string] => [j.id, j.title]),
      ...candidates.map((c): [string, string] => [c.id, c.full_name]),
      ...people,
      ...recruiters,
    ]);
  },

  async companies(companyIds: (string | null)[]): Promise<Map<string, string>> {
    const ids = [...new Set(companyIds.filter((id): id is string => !!id))];
    if (ids.length === 0) return new Map();
    const rows: { id: string; name: string }[] = await table(db, 'companies').whereIn('id', ids).select('id', 'name');
    return new Map(rows.map((r) => [r.id, r.name]));
  },
});
