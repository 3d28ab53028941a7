import type { Knex } from 'knex';
import { type Db, type Executor, isUniqueViolation } from '../../lib/db.js';
import type { Role } from '../../domain/actors.js';
import type { PeopleChange, PersonStatus } from '../../domain/people.js';
import { newestFirst, type Keyset } from './keyset.js';
import { table, type AllTables, type CompaniesTable, type UsersTable } from './tables.js';

/** A user as the people routes show them: with their company's name and recruiter profile. */
export type PersonRecord = UsersTable & { company_name: string | null; recruiter_id: string | null };
export type PeopleChangeRecord = AllTables['people_changes'];
export type CompanySummary = CompaniesTable & { active_admins: number; jobs: number };

export interface PeopleFilter {
  /** Only this company's people (a company admin: always their own). */
  companyId?: string;
  status?: PersonStatus;
  role?: Role;
}

const PERSON_COLUMNS = [
  'users.id',
  'users.email',
  'users.name',
  'users.role',
  'users.company_id',
  'users.created_at',
  'users.deactivated_at',
  'users.invited_at',
  'users.invited_by_user_id',
  'users.last_signed_in_at',
  'companies.name as company_name',
  'recruiters.id as recruiter_id',
];

/** Who counts as an active person, in SQL over `users` (domain/people.ts personStatus). */
const STATUS_SQL: Record<PersonStatus, string> = {
  deactivated: 'users.deactivated_at is not null',
  invited: 'users.deactivated_at is null and users.invited_at is not null and users.last_signed_in_at is null',
  active: 'users.deactivated_at is null and (users.invited_at is null or users.last_signed_in_at is not null)',
};

const people = (x: Executor) =>
  table(x, 'users').leftJoin('companies', 'companies.id', 'users.company_id').leftJoin('recruiters', 'recruiters.user_id', 'users.id');

/** The two unique indexes on addresses (as typed, and lower-cased). */
const EMAIL_INDEXES = ['users_email_unique', 'users_email_lower_unique'];

/**
 * People management (product §3.10): the people of a company (or everyone, for platform
 * admins), invitations, role changes, deactivation with everything it revokes, the companies
 * platform admins create, and the append-only `people_changes` audit.
 */
export const peopleDal = (db: Db) => ({
  /** Newest first on (created_at, id). */
  list(filter: PeopleFilter & Keyset, trx: Executor = db): Promise<PersonRecord[]> {
    const q = people(trx).select(PERSON_COLUMNS);
    if (filter.companyId) q.where('users.company_id', filter.companyId);
    if (filter.role) q.where('users.role', filter.role);
    if (filter.status) q.whereRaw(STATUS_SQL[filter.status]);
    return newestFirst(q, filter, 'users') as unknown as Promise<PersonRecord[]>;
  },

  /** One person; `lock` takes the user's row for an update in `trx`. */
  async find(id: string, trx: Executor = db, opts: { lock?: boolean } = {}): Promise<PersonRecord | undefined> {
    if (opts.lock) await table(trx, 'users').where({ id }).forUpdate().first('id');
    return people(trx).where('users.id', id).first(PERSON_COLUMNS) as Promise<PersonRecord | undefined>;
  },

  async emailTaken(email: string, trx: Executor = db): Promise<boolean> {
    return !!(await table(trx, 'users').whereRaw('lower(email) = ?', [email.toLowerCase()]).first('id'));
  },

  /** Creates an invited user; null when the address is already used (in any case), whoever won a race for it. */
  async insertInvited(
    row: { email: string; name: string; role: Role; company_id: string | null; invited_by_user_id: string },
    trx: Executor,
  ): Promise<string | null> {
    try {
      // A savepoint, so a refused address leaves the caller's transaction usable.
      return await (trx as Knex.Transaction).transaction(async (sp) => {
        const [created] = await table(sp, 'users')
          .insert({ ...row, invited_at: sp.fn.now() as never })
          .returning('id');
        return created!.id;
      });
    } catch (err) {
      if (EMAIL_INDEXES.some((index) => isUniqueViolation(err, index))) return null;
      throw err;
    }
  },

  async insertRecruiterProfile(row: { user_id: string; display_name: string }, trx: Executor): Promise<string> {
    const [created] = await table(trx, 'recruiters').insert(row).returning('id');
    return created!.id;
  },

  async insertCompany(name: string, trx: Executor): Promise<CompaniesTable> {
    const [created] = await table(trx, 'companies').insert({ name }).returning(['id', 'name', 'created_at']);
    return created as CompaniesTable;
  },

  /**
   * A new invitation link for the user (purpose `invitation`): revokes their earlier unused
   * ones first, so only the newest invitation works.
   */
  async createInvitationLink(row: { user_id: string; token_hash: string; ttlSeconds: number; requested_ip: string }, trx: Executor) {
    await table(trx, 'magic_links')
      .where({ user_id: row.user_id, purpose: 'invitation' })
      .whereNull('used_at')
      .whereNull('revoked_at')
      .update({ revoked_at: trx.fn.now() as never });
    const [created] = await table(trx, 'magic_links')
      .insert({
        token_hash: row.token_hash,
        user_id: row.user_id,
        requested_ip: row.requested_ip,
        purpose: 'invitation',
        expires_at: trx.raw('now() + make_interval(secs => ?)', [row.ttlSeconds]) as never,
      })
      .returning('id');
    return created!.id;
  },

  /** Locks the company's row: role changes and deactivations of its admins are judged one at a time. */
  async lockCompany(companyId: string, trx: Executor): Promise<void> {
    await table(trx, 'companies').where({ id: companyId }).forUpdate().first('id');
  },

  /** The company's active admins (signed in, or never invited; not deactivated) other than `exceptUserId`. */
  async otherActiveAdmins(companyId: string, exceptUserId: string, trx: Executor = db): Promise<number> {
    const [row] = await table(trx, 'users')
      .where({ company_id: companyId, role: 'company_admin' })
      .whereNot('id', exceptUserId)
      .whereRaw(STATUS_SQL.active)
      .count<{ n: string }[]>('* as n');
    return Number(row?.n ?? 0);
  },

  async setRole(id: string, role: Role, trx: Executor): Promise<void> {
    await table(trx, 'users').where({ id }).update({ role });
  },

  /** Deactivates the user and, in the same transaction, revokes their live sessions, API keys and unused links. */
  async deactivate(id: string, trx: Executor): Promise<{ sessions: number; apiKeys: number; links: number }> {
    const now = trx.fn.now() as never;
    await table(trx, 'users').where({ id }).update({ deactivated_at: now });
    const sessions = await table(trx, 'sessions').where({ user_id: id }).whereNull('revoked_at').update({ revoked_at: now });
    const apiKeys = await table(trx, 'api_keys').where({ user_id: id }).whereNull('revoked_at').update({ revoked_at: now });
    const links = await table(trx, 'magic_links')
      .where({ user_id: id })
      .whereNull('used_at')
      .whereNull('revoked_at')
      .update({ revoked_at: now });
    return { sessions, apiKeys, links };
  },

  async reactivate(id: string, trx: Executor): Promise<void> {
    await table(trx, 'users').where({ id }).update({ deactivated_at: null });
  },

  async recordChange(row: Omit<PeopleChangeRecord, 'id' | 'occurred_at'>, trx: Executor = db): Promise<void> {
    await table(trx, 'people_changes').insert({
      ...row,
      old: row.old === null ? null : (JSON.stringify(row.old) as never),
      new: row.new === null ? null : (JSON.stringify(row.new) as never),
    });
  },

  /** A person's audit, newest first. */
  changes(userId: string, trx: Executor = db): Promise<PeopleChangeRecord[]> {
    return table(trx, 'people_changes')
      .where({ user_id: userId })
      .orderBy([
        { column: 'occurred_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ]);
  },

  /**
   * Notes a sign-in by link: sets `last_signed_in_at` and, the first time, records
   * `signed_in_first_time` (an invitation becomes an active account).
   */
  async recordSignIn(userId: string): Promise<void> {
    await db.transaction(async (trx) => {
      const user = await table(trx, 'users').where({ id: userId }).forUpdate().first('role', 'company_id', 'last_signed_in_at');
      if (!user) return;
      await table(trx, 'users')
        .where({ id: userId })
        .update({ last_signed_in_at: trx.fn.now() as never });
      if (user.last_signed_in_at === null) {
        await table(trx, 'people_changes').insert({
          user_id: userId,
          company_id: user.company_id,
          actor_user_id: userId,
          actor_role: user.role,
          change: 'signed_in_first_time' satisfies PeopleChange,
        });
      }
    });
  },

  /** Companies newest first on (created_at, id), with their active admins and jobs counted. */
  companies(page: Keyset, trx: Executor = db): Promise<CompanySummary[]> {
    const q = table(trx, 'companies').select(
      'companies.id',
      'companies.name',
      'companies.created_at',
      trx.raw(
        `(select count(*)::int from users where users.company_id = companies.id and users.role = 'company_admin' and ${STATUS_SQL.active}) as active_admins`,
      ),
      trx.raw('(select count(*)::int from jobs where jobs.company_id = companies.id and jobs.deleted_at is null) as jobs'),
    );
    return newestFirst(q, page, 'companies') as unknown as Promise<CompanySummary[]>;
  },
});
