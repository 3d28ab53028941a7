import type { Db, Executor } from '../../lib/db.js';
import type { ApiKeysTable } from './tables.js';
import { table } from './tables.js';
import { withTransaction } from './once.js';

/** Who a session or an API key signs in: read from `users` (and `recruiters`) on every request. */
export interface SignedInUser {
  userId: string;
  role: string;
  companyId: string | null;
  recruiterId: string | null;
}

export interface LiveSession extends SignedInUser {
  sessionId: string;
  csrfHash: string;
}

export type ApiKeyRow = Pick<ApiKeysTable, 'id' | 'name' | 'prefix' | 'created_at' | 'last_used_at'>;

/** `last_seen_at` / `last_used_at` are written at most this often: a read-heavy client is not a write per request. */
const TOUCH_EVERY_S = 60;

const USER_COLUMNS = ['users.id as userId', 'users.role as role', 'users.company_id as companyId', 'recruiters.id as recruiterId'] as const;

/**
 * Magic links, sessions, API keys and the sign-in requests the rate limits count. Every
 * time comparison uses the database's clock, so API instances agree on expiry.
 */
export const signInDal = (db: Db) => ({
  /** The active user with this address (compared lower-cased), if any. */
  async activeUserByEmail(email: string, trx: Executor = db): Promise<{ id: string; email: string; name: string } | undefined> {
    return table(trx, 'users')
      .whereRaw('lower(email) = ?', [email.toLowerCase()])
      .whereNull('deactivated_at' as never)
      .first('id', 'email', 'name');
  },

  /**
   * Counts the requests of the last `windowSeconds` for this address and this IP under a
   * per-key advisory lock (so concurrent requests on any instance are counted one at a time):
   * over `limit` for either, the seconds until the oldest of them leaves the window; else
   * records this request and answers null.
   */
  async admitSignInRequest(
    req: { emailHash: string; ip: string },
    limit: { perEmail: number; perIp: number; windowSeconds: number },
  ): Promise<number | null> {
    return withTransaction(db, async (trx) => {
      // In a fixed order, so two requests never wait on each other's locks crosswise.
      for (const key of [`sign-in:email:${req.emailHash}`, `sign-in:ip:${req.ip}`].sort()) {
        await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [key]);
      }
      const since = trx.raw('now() - make_interval(secs => ?)', [limit.windowSeconds]);
      const waits: number[] = [];
      for (const [column, value, max] of [
        ['email_hash', req.emailHash, limit.perEmail],
        ['ip', req.ip, limit.perIp],
      ] as const) {
        const recent = await table(trx, 'sign_in_requests')
          .where(column, value)
          .where('created_at', '>', since)
          .orderBy('created_at', 'desc')
          .limit(max)
          .select('created_at');
        if (recent.length >= max) {
          // The max-th newest leaves the window first among those that keep the count at the limit.
          const [row] = (
            await trx.raw('select ceil(extract(epoch from (?::timestamptz + make_interval(secs => ?) - now())))::int as wait', [
              recent[recent.length - 1]!.created_at,
              limit.windowSeconds,
            ])
          ).rows as { wait: number }[];
          waits.push(Math.max(1, row?.wait ?? limit.windowSeconds));
        }
      }
      if (waits.length > 0) return Math.max(...waits);
      await table(trx, 'sign_in_requests').insert({ email_hash: req.emailHash, ip: req.ip });
      return null;
    });
  },

  async createMagicLink(row: { token_hash: string; user_id: string; ttlSeconds: number; requested_ip: string }): Promise<string> {
    const [created] = await table(db, 'magic_links')
      .insert({
        token_hash: row.token_hash,
        user_id: row.user_id,
        requested_ip: row.requested_ip,
        expires_at: db.raw('now() + make_interval(secs => ?)', [row.ttlSeconds]) as never,
      })
      .returning('id');
    return created!.id;
  },

  /**
   * Uses the link (a sign-in link or an invitation) once: marks it used only while unused,
   * unrevoked, unexpired and its user active, in one statement, so of two concurrent uses at
   * most one gets the user. The user's other unused links are revoked with it: once they are
   * in, a link still lying in their inbox is only something to steal.
   */
  async consumeMagicLink(tokenHash: string): Promise<string | null> {
    return withTransaction(db, async (trx) => {
      const [row] = await table(trx, 'magic_links')
        .where({ token_hash: tokenHash })
        .whereNull('used_at')
        .whereNull('revoked_at')
        .where('expires_at', '>', trx.fn.now())
        .whereIn(
          'user_id',
          table(trx, 'users')
            .whereNull('deactivated_at' as never)
            .select('id'),
        )
        .update({ used_at: trx.fn.now() as never })
        .returning('user_id');
      if (!row) return null;
      await table(trx, 'magic_links')
        .where({ user_id: row.user_id })
        .whereNull('used_at')
        .whereNull('revoked_at')
        .update({ revoked_at: trx.fn.now() as never });
      return row.user_id;
    });
  },

  async createSession(row: {
    id: string;
    user_id: string;
    csrf_hash: string;
    ttlSeconds: number;
    user_agent: string | null;
    created_ip: string;
  }): Promise<Date> {
    const [created] = await table(db, 'sessions')
      .insert({
        id: row.id,
        user_id: row.user_id,
        csrf_hash: row.csrf_hash,
        user_agent: row.user_agent,
        created_ip: row.created_ip,
        expires_at: db.raw('now() + make_interval(secs => ?)', [row.ttlSeconds]) as never,
      })
      .returning('expires_at');
    return created!.expires_at;
  },

  /** The session's user, when the session is unrevoked, within its absolute and idle limits, and its user active. */
  async liveSession(id: string, idleSeconds: number): Promise<LiveSession | undefined> {
    return table(db, 'sessions')
      .join('users', 'users.id', 'sessions.user_id')
      .leftJoin('recruiters', 'recruiters.user_id', 'users.id')
      .where('sessions.id', id)
      .whereNull('sessions.revoked_at')
      .where('sessions.expires_at', '>', db.fn.now())
      .where('sessions.last_seen_at', '>', db.raw('now() - make_interval(secs => ?)', [idleSeconds]))
      .whereNull('users.deactivated_at')
      .first(...USER_COLUMNS, 'sessions.id as sessionId', 'sessions.csrf_hash as csrfHash') as Promise<LiveSession | undefined>;
  },

  /** Keeps an active session from idling out. */
  async touchSession(id: string): Promise<void> {
    await table(db, 'sessions')
      .where({ id })
      .where('last_seen_at', '<', db.raw('now() - make_interval(secs => ?)', [TOUCH_EVERY_S]))
      .update({ last_seen_at: db.fn.now() as never });
  },

  async revokeSession(id: string): Promise<void> {
    await table(db, 'sessions')
      .where({ id })
      .whereNull('revoked_at')
      .update({ revoked_at: db.fn.now() as never });
  },

  /** Revokes every live session of the user; answers how many. */
  async revokeUserSessions(userId: string): Promise<number> {
    return table(db, 'sessions')
      .where({ user_id: userId })
      .whereNull('revoked_at')
      .update({ revoked_at: db.fn.now() as never });
  },

  async createApiKey(row: { user_id: string; name: string; prefix: string; key_hash: string }): Promise<ApiKeyRow> {
    const [created] = await table(db, 'api_keys').insert(row).returning(['id', 'name', 'prefix', 'created_at', 'last_used_at']);
    return created as ApiKeyRow;
  },

  /** Revokes the user's live keys of this name and creates one in their place (`npm run dev`'s demo keys, minted at each start). */
  async replaceApiKey(row: { user_id: string; name: string; prefix: string; key_hash: string }): Promise<ApiKeyRow> {
    return withTransaction(db, async (trx) => {
      await table(trx, 'api_keys')
        .where({ user_id: row.user_id, name: row.name })
        .whereNull('revoked_at')
        .update({ revoked_at: trx.fn.now() as never });
      const [created] = await table(trx, 'api_keys').insert(row).returning(['id', 'name', 'prefix', 'created_at', 'last_used_at']);
      return created as ApiKeyRow;
    });
  },

  async liveApiKeyCount(userId: string): Promise<number> {
    const [row] = await table(db, 'api_keys').where({ user_id: userId }).whereNull('revoked_at').count<{ n: string }[]>('* as n');
    return Number(row?.n ?? 0);
  },

  /** The user's unrevoked keys, newest first: never the hash. */
  async liveApiKeys(userId: string): Promise<ApiKeyRow[]> {
    return table(db, 'api_keys')
      .where({ user_id: userId })
      .whereNull('revoked_at')
      .orderBy('created_at', 'desc')
      .select('id', 'name', 'prefix', 'created_at', 'last_used_at');
  },

  /** Revokes one of the user's own live keys; false when there is none with that id (another user's included). */
  async revokeApiKey(userId: string, id: string): Promise<boolean> {
    return (
      (await table(db, 'api_keys')
        .where({ id, user_id: userId })
        .whereNull('revoked_at')
        .update({ revoked_at: db.fn.now() as never })) > 0
    );
  },

  /** The key's user with their current role and links, when the key is unrevoked and the user active. */
  async apiKeyUser(keyHash: string): Promise<(SignedInUser & { keyId: string }) | undefined> {
    return table(db, 'api_keys')
      .join('users', 'users.id', 'api_keys.user_id')
      .leftJoin('recruiters', 'recruiters.user_id', 'users.id')
      .where('api_keys.key_hash', keyHash)
      .whereNull('api_keys.revoked_at')
      .whereNull('users.deactivated_at')
      .first(...USER_COLUMNS, 'api_keys.id as keyId') as Promise<(SignedInUser & { keyId: string }) | undefined>;
  },

  async touchApiKey(id: string): Promise<void> {
    await table(db, 'api_keys')
      .where({ id })
      .where((q) => q.whereNull('last_used_at').orWhere('last_used_at', '<', db.raw('now() - make_interval(secs => ?)', [TOUCH_EVERY_S])))
      .update({ last_used_at: db.fn.now() as never });
  },

  async emailOf(userId: string): Promise<string | undefined> {
    return (await table(db, 'users').where({ id: userId }).first('email'))?.email;
  },

  /**
   * The active users a development sign-in page lists (never used in production): the newest
   * `limit` (the demo seed's on a fresh dev database, and a user just added), by role and e-mail.
   */
  async activeUsers(limit = 50): Promise<{ email: string; name: string; role: string }[]> {
    const newest = table(db, 'users')
      .whereNull('deactivated_at' as never)
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(limit)
      .select('email', 'name', 'role');
    return db.select('email', 'name', 'role').from(newest.as('newest')).orderBy(['role', 'email']);
  },
});
