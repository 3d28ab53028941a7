import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Db } from '../../lib/db.js';
import { signToken } from '../../lib/tokens.js';
import type { Actor } from '../../domain/actors.js';
import type { Client } from '@temporalio/client';
import { JWT, startApiHarness, type ApiHarness } from '../../testkit/harness/api-harness.js';
import { startTestInfra } from '../../testkit/env/infra.js';

/**
 * The tests' API stack (testkit/harness/api-harness.ts: real API over HTTP, Postgres,
 * Temporal dev server, workers on private task queues, Resend and Stripe fakes) on the
 * drill's own servers, plus what the drills check with: tokens, table snapshots.
 */
export { JWT };
export { eventually } from '../../testkit/harness/api-harness.js';
export type DrillStack = ApiHarness;

/** The API stack of the tests on the drill's own servers; stop() stops both. */
export async function startDrillStack(): Promise<DrillStack> {
  const infra = await startTestInfra();
  try {
    const stack = await startApiHarness(infra);
    return {
      ...stack,
      async stop() {
        await stack.stop();
        await infra.stop();
      },
    };
  } catch (err) {
    await infra.stop();
    throw err;
  }
}

/** A token for `actor` that expired an hour ago (valid signature and issuer). */
export const expiredToken = (actor: Actor) =>
  new SignJWT({ role: actor.role, companyId: actor.companyId ?? null, recruiterId: actor.recruiterId ?? null })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(actor.userId!)
    .setIssuer(JWT.issuer)
    .setAudience(JWT.audience)
    .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
    .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
    .sign(new TextEncoder().encode(JWT.secret));

/**
 * Tokens with the right secret that break one rule of lib/tokens.ts (issue 14): no `exp` (a
 * never-expiring token), a lifetime past the maximum, another audience, a role that does not exist.
 */
export function ruleBreakingTokens(actor: Actor): Record<'forever' | 'tooLong' | 'otherAudience' | 'unknownRole', Promise<string>> {
  const now = Math.floor(Date.now() / 1000);
  const sign = (claims: Record<string, unknown>, opts: { exp?: number; audience?: string }) => {
    const jwt = new SignJWT({ companyId: actor.companyId ?? null, recruiterId: actor.recruiterId ?? null, role: actor.role, ...claims })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(actor.userId!)
      .setIssuer(JWT.issuer)
      .setAudience(opts.audience ?? JWT.audience)
      .setIssuedAt(now);
    if (opts.exp !== undefined) jwt.setExpirationTime(opts.exp);
    return jwt.sign(new TextEncoder().encode(JWT.secret));
  };
  return {
    forever: sign({}, {}),
    tooLong: sign({}, { exp: now + JWT.maxLifetimeSeconds * 30 }),
    otherAudience: sign({}, { exp: now + 3600, audience: 'another-api' }),
    unknownRole: sign({ role: 'superuser' }, { exp: now + 3600 }),
  };
}

/** A well-formed token for `actor` signed with another secret. */
export const forgedToken = (actor: Actor) =>
  signToken(
    { sub: actor.userId!, role: actor.role as 'recruiter', companyId: actor.companyId ?? null, recruiterId: actor.recruiterId ?? null },
    { ...JWT, secret: 'an-attacker-secret-that-is-also-32-chars-long' },
  );

/** An unsigned (`alg: none`) token claiming platform admin. */
export function unsignedToken(userId: string = randomUUID()): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: userId, role: 'platform_admin', iss: JWT.issuer, aud: JWT.audience, iat: now, exp: now + 3600 })}.`;
}

/** Every base table of the public schema with its row count and a hash of its content. */
export async function snapshotTables(db: Db): Promise<Map<string, { rows: number; hash: string }>> {
  const tables = (
    await db('information_schema.tables')
      .where({ table_schema: 'public', table_type: 'BASE TABLE' })
      .orderBy('table_name')
      .select('table_name')
  ).map((r: { table_name: string }) => r.table_name);
  const out = new Map<string, { rows: number; hash: string }>();
  for (const t of tables) {
    const { rows } = await db.raw(
      `select count(*)::int as n, md5(coalesce(string_agg(md5(x::text), '' order by md5(x::text)), '')) as h from "${t.replaceAll('"', '""')}" x`,
    );
    out.set(t, { rows: rows[0].n, hash: rows[0].h });
  }
  return out;
}

/** Tables whose row count or content differ between two snapshots. */
export function diffTables(before: Map<string, { rows: number; hash: string }>, after: Map<string, { rows: number; hash: string }>) {
  const changed: { table: string; rowsBefore: number; rowsAfter: number; contentChanged: boolean }[] = [];
  for (const [table, a] of after) {
    const b = before.get(table) ?? { rows: 0, hash: '' };
    if (a.rows !== b.rows || a.hash !== b.hash)
      changed.push({ table, rowsBefore: b.rows, rowsAfter: a.rows, contentChanged: a.hash !== b.hash });
  }
  return changed;
}

/** How many workflow executions the namespace has (visibility; settles within a second on the dev server). */
export async function workflowCount(temporal: Client): Promise<number> {
  return (await temporal.workflow.count()).count;
}

/** The product §4 error shape: `{ error: { code, message } }`. */
export function hasErrorShape(body: unknown): boolean {
  const e = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  return !!e && typeof e.code === 'string' && typeof e.message === 'string';
}
