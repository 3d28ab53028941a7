/**
 * Every route × every role (recruiter, other recruiter, company admin, hiring manager, foreign
 * company admin, platform admin, no token, expired token, and platform-admin tokens without
 * `exp`, living too long, for another audience or with an unknown role) against real resources created
 * through the API, asserting the status the product's rules give (read from each route's
 * requireRole / scope code and the workflows' validators): 401 without or with an invalid
 * token, 403 for a wrong role, 404 for another company's or recruiter's resource (owner-
 * neutral), 400 for an allowed role sending an invalid body (proves authorisation passed
 * without changing anything), 200 for allowed reads. Refused roles send a valid body, so the
 * refusal is the role's; and a role the route does not admit (its `x-roles` in the OpenAPI
 * document), or a caller without a valid token, sends the invalid body too and still gets
 * 403 / 401: authorisation comes before validation (issue 14). Every route of the OpenAPI
 * document must be in the matrix; the database must be the same after it as before (the matrix is repeatable).
 */
import { randomUUID } from 'node:crypto';
import { startGreenhouseFake } from '../testkit/fakes/ats/greenhouse.js';
import { connectAccount, createCandidate, createMarketplace, type Marketplace } from '../testkit/harness/factories.js';
import {
  diffTables,
  eventually,
  expiredToken,
  ruleBreakingTokens,
  snapshotTables,
  startDrillStack,
  type DrillStack,
} from './lib/harness.js';
import type { Drill } from './lib/report.js';
import { payInvoice } from './lib/crash-scenarios.js';

type RoleName = 'recruiter' | 'otherRecruiter' | 'companyAdmin' | 'hiringManager' | 'foreignAdmin' | 'platformAdmin';
/** Callers without a valid token: none, an expired one, and (platform admin) tokens breaking one rule of lib/tokens.ts. */
const INVALID_TOKENS = ['none', 'expired', 'forever', 'tooLong', 'otherAudience', 'unknownRole'] as const;
type Who = RoleName | (typeof INVALID_TOKENS)[number];
const ROLES: RoleName[] = ['recruiter', 'otherRecruiter', 'companyAdmin', 'hiringManager', 'foreignAdmin', 'platformAdmin'];
const WHO: Who[] = [...ROLES, ...INVALID_TOKENS];
const isRole = (who: Who): who is RoleName => (ROLES as Who[]).includes(who);

/** The resources of the matrix, created through the API. */
interface Res {
  m: Marketplace;
  candidateId: string;
  otherCandidateId: string;
  proposalId: string;
  placementId: string;
  payoutId: string;
  splitId: string;
  integrationId: string;
  ruleId: string;
  executionId: string;
  decisionId: number;
}

/** One cell that differs from the route's default: another status, body or path (e.g. an unknown id for a body-less command). */
interface Cell {
  status: number;
  body?: (r: Res) => unknown;
  path?: (r: Res) => string;
  note?: string;
}
type Expect = number | Cell;

interface Case {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** As in the OpenAPI document, e.g. /api/v1/proposals/{id}. */
  route: string;
  path: (r: Res) => string;
  /** Sent by refused roles (and with no / an expired token): valid, so only the role refuses it. */
  valid?: (r: Res) => unknown;
  /** Sent by allowed roles whose expected status is 400. */
  invalid?: unknown;
  expect: Record<RoleName, Expect> & Partial<Record<'none' | 'expired', Expect>>;
  /** The roles a route outside the OpenAPI document admits (the codec server); documented routes carry `x-roles`. */
  roles?: string[];
}

const all = (status: number): Record<RoleName, number> => Object.fromEntries(ROLES.map((r) => [r, status])) as Record<RoleName, number>;
/** A public route: the same status for every caller, with any token or none. */
const everyone = (status: number): Case['expect'] =>
  ({ ...all(status), ...Object.fromEntries(INVALID_TOKENS.map((t) => [t, status])) }) as Case['expect'];
/** Expected statuses in the order recruiter, otherRecruiter, companyAdmin, hiringManager, foreignAdmin, platformAdmin. */
const row = (...s: Expect[]): Record<RoleName, Expect> => Object.fromEntries(ROLES.map((r, i) => [r, s[i]!])) as Record<RoleName, Expect>;
const unknownId = (path: (r: Res) => string): Cell => ({ status: 404, path, note: 'allowed role, unknown id (a command without a body)' });

const V = '/api/v1';
const reason = { reason: 'auth-matrix' };
const NOT_REASON = { reason: '' };

function cases(): Case[] {
  const proposalCommand = (cmd: string, statuses: Expect[]): Case => ({
    method: 'POST',
    route: `${V}/proposals/{id}/${cmd}`,
    path: (r) => `${V}/proposals/${r.proposalId}/${cmd}`,
    valid: () => ({}),
    invalid: { reason: 42 },
    expect: row(...statuses),
  });
  // Placement commands: the role (403, before anything else), then visible (else 404), then the workflow.
  const COMPANY_CMD: Expect[] = [403, 403, 400, 403, 404, 400];
  const PLATFORM_CMD: Expect[] = [403, 403, 403, 403, 403, 400];
  const placementCommand = (
    method: 'POST' | 'PUT',
    cmd: string,
    statuses: Expect[],
    valid: (r: Res) => unknown,
    invalid: unknown,
  ): Case => ({
    method,
    route: `${V}/placements/{id}/${cmd}`,
    path: (r) => `${V}/placements/${r.placementId}/${cmd}`,
    valid,
    invalid,
    expect: row(...statuses),
  });
  const split = (action: string, valid: unknown, invalid: unknown): Case => ({
    method: 'POST',
    route: `${V}/payouts/{id}/splits/{splitId}/${action}`,
    path: (r) => `${V}/payouts/${r.payoutId}/splits/${r.splitId}/${action}`,
    valid: () => valid,
    invalid,
    expect: row(403, 403, 403, 403, 403, 400),
  });
  const integration = (r: Res) => `${V}/integrations/${r.integrationId}`;
  const rule = {
    name: 'Matrix rule',
    trigger: 'proposal.accepted',
    actions: [{ type: 'create_task', title: 'Call' }],
    requiresApproval: false,
    enabled: false,
  };
  const ADMINS_ONLY: Expect[] = [403, 403, 200, 403, 200, 200]; // company admins (own company) and platform admins
  return [
    // session
    { method: 'GET', route: `${V}/me`, path: () => `${V}/me`, expect: all(200) },
    { method: 'GET', route: `${V}/ui-config`, path: () => `${V}/ui-config`, expect: all(200) },
    { method: 'POST', route: `${V}/operator-session`, path: () => `${V}/operator-session`, expect: row(403, 403, 403, 403, 403, 204) },
    { method: 'DELETE', route: `${V}/operator-session`, path: () => `${V}/operator-session`, expect: all(204) },
    // sign-in (issue 18): the public routes answer whatever token comes along (invalid bodies here:
    // a valid magic-link request would write and send); the rest are any signed-in user's own
    { method: 'GET', route: `${V}/auth/options`, path: () => `${V}/auth/options`, expect: everyone(200) },
    {
      method: 'POST',
      route: `${V}/auth/magic-link`,
      path: () => `${V}/auth/magic-link`,
      valid: () => ({ email: 'not an address' }),
      invalid: { email: 'not an address' },
      expect: everyone(400),
    },
    {
      method: 'POST',
      route: `${V}/auth/verify`,
      path: () => `${V}/auth/verify`,
      valid: () => ({ token: 'unknown' }),
      invalid: { token: '' },
      expect: everyone(400),
    },
    // Bearer callers have no browser session: nothing to end, nothing written.
    { method: 'POST', route: `${V}/auth/sign-out`, path: () => `${V}/auth/sign-out`, expect: all(204) },
    { method: 'POST', route: `${V}/auth/sign-out-everywhere`, path: () => `${V}/auth/sign-out-everywhere`, expect: all(204) },
    { method: 'GET', route: `${V}/me/api-keys`, path: () => `${V}/me/api-keys`, expect: all(200) },
    {
      method: 'POST',
      route: `${V}/me/api-keys`,
      path: () => `${V}/me/api-keys`,
      valid: () => ({ name: 'matrix' }),
      invalid: { name: '' },
      expect: all(400),
    },
    {
      method: 'DELETE',
      route: `${V}/me/api-keys/{id}`,
      path: () => `${V}/me/api-keys/${randomUUID()}`,
      expect: row(...ROLES.map((): Expect => ({ status: 404, note: "an unknown key id (or another user's: the same answer)" }))),
    },
    // proposals (product §3.1): recruiters propose; the company reviews / decides; the proposing recruiter withdraws
    {
      method: 'POST',
      route: `${V}/proposals`,
      path: () => `${V}/proposals`,
      valid: (r) => ({ candidateId: r.otherCandidateId, jobId: r.m.jobId, pitch: 'auth matrix' }),
      invalid: { candidateId: 'nope', jobId: 'nope', pitch: '' },
      expect: row(400, 400, 403, 403, 403, 403),
    },
    { method: 'GET', route: `${V}/proposals`, path: () => `${V}/proposals`, expect: all(200) },
    {
      method: 'GET',
      route: `${V}/proposals/{id}`,
      path: (r) => `${V}/proposals/${r.proposalId}`,
      expect: row(200, 404, 200, 200, 404, 200),
    },
    proposalCommand('review', [403, 403, 400, 400, 404, 403]),
    proposalCommand('accept', [403, 403, 400, 400, 404, 403]),
    proposalCommand('decline', [403, 403, 400, 400, 404, 403]),
    proposalCommand('withdraw', [400, 404, 403, 403, 403, 403]),
    // placements (product §3.2–3.3)
    {
      method: 'POST',
      route: `${V}/placements`,
      path: () => `${V}/placements`,
      valid: (r) => ({
        jobId: r.m.jobId,
        candidateId: r.otherCandidateId,
        feeCents: 1_000_000,
        currency: 'USD',
        startDate: '2031-01-01',
        collaborators: [{ recruiterId: r.m.recruiterId, role: 'sourcer' }],
      }),
      invalid: { jobId: 'nope' },
      // The foreign admin: requireRole passes, then "the job belongs to another company" (403, not 404).
      expect: row(403, 403, 400, 403, 403, 400),
    },
    {
      method: 'POST',
      route: `${V}/placements/calculate-splits`,
      path: () => `${V}/placements/calculate-splits`,
      valid: () => ({ feeCents: 1000, collaborators: [{ role: 'sourcer' }] }),
      invalid: { feeCents: -1, collaborators: [] },
      expect: row(403, 403, 400, 400, 400, 400),
    },
    { method: 'GET', route: `${V}/placements`, path: () => `${V}/placements`, expect: all(200) },
    {
      method: 'GET',
      route: `${V}/placements/{id}`,
      path: (r) => `${V}/placements/${r.placementId}`,
      expect: row(200, 404, 200, 200, 404, 200),
    },
    placementCommand('POST', 'activate', COMPANY_CMD, () => ({}), { reason: 7 }),
    placementCommand('POST', 'extend-guarantee', PLATFORM_CMD, () => ({ days: 1, ...reason }), { days: 0, ...reason }),
    placementCommand('POST', 'report-failure', COMPANY_CMD, () => reason, NOT_REASON),
    placementCommand('POST', 'replacement', COMPANY_CMD, (r) => ({ candidateId: r.otherCandidateId }), { candidateId: 'nope' }),
    placementCommand('POST', 'refund', COMPANY_CMD, () => ({}), { reason: 7 }),
    placementCommand('POST', 'release-early', PLATFORM_CMD, () => reason, NOT_REASON),
    placementCommand('PUT', 'collaborators', COMPANY_CMD, (r) => ({ collaborators: [{ recruiterId: r.m.recruiterId, role: 'sourcer' }] }), {
      collaborators: [],
    }),
    // the fee invoice (money in): platform admins command it; the company's users and platform admins read its audit
    placementCommand('POST', 'payment/mark-paid', PLATFORM_CMD, () => reason, NOT_REASON),
    placementCommand('POST', 'payment/extend', PLATFORM_CMD, () => ({ days: 7, ...reason }), { days: 91, ...reason }),
    placementCommand('POST', 'payment/void', PLATFORM_CMD, () => reason, NOT_REASON),
    placementCommand('POST', 'refund/retry', PLATFORM_CMD, () => ({}), { reason: 7 }),
    placementCommand('POST', 'refund/cancel', PLATFORM_CMD, () => reason, NOT_REASON),
    {
      method: 'GET',
      route: `${V}/placements/{id}/payment/history`,
      path: (r) => `${V}/placements/${r.placementId}/payment/history`,
      expect: row(403, 403, 200, 200, 404, 200),
    },
    // candidate ownership (product §3.4): recruiters claim; the sourcer releases; platform admins override / extend (workflow validators)
    {
      method: 'POST',
      route: `${V}/candidates/{id}/source`,
      path: (r) => `${V}/candidates/${r.otherCandidateId}/source`,
      valid: () => ({}),
      invalid: { jobId: 'nope' },
      expect: row(400, 400, 403, 403, 403, 403),
    },
    { method: 'GET', route: `${V}/candidates/{id}/sourcing`, path: (r) => `${V}/candidates/${r.candidateId}/sourcing`, expect: all(200) },
    {
      method: 'POST',
      route: `${V}/candidates/{id}/source/release`,
      path: (r) => `${V}/candidates/${r.candidateId}/source/release`,
      valid: () => ({}),
      invalid: NOT_REASON,
      expect: row(400, 403, 403, 403, 403, 403),
    },
    {
      method: 'POST',
      route: `${V}/candidates/{id}/source/override`,
      path: (r) => `${V}/candidates/${r.candidateId}/source/override`,
      valid: (r) => ({ recruiterId: r.m.otherRecruiterId, ...reason }),
      invalid: { recruiterId: 'nope', ...reason },
      expect: row(403, 403, 403, 403, 403, 400),
    },
    {
      method: 'POST',
      route: `${V}/candidates/{id}/source/extend`,
      path: (r) => `${V}/candidates/${r.candidateId}/source/extend`,
      valid: () => ({ days: 1, ...reason }),
      invalid: { days: 0, ...reason },
      expect: row(403, 403, 403, 403, 403, 400),
    },
    // payouts: parties read; only platform admins resolve blocked splits (checked before visibility)
    { method: 'GET', route: `${V}/payouts`, path: () => `${V}/payouts`, expect: all(200) },
    { method: 'GET', route: `${V}/payouts/{id}`, path: (r) => `${V}/payouts/${r.payoutId}`, expect: row(200, 404, 200, 200, 404, 200) },
    // recruiters' payout accounts (product §3.3): their own; platform admins read anyone's
    { method: 'GET', route: `${V}/me/payout-account`, path: () => `${V}/me/payout-account`, expect: row(200, 200, 403, 403, 403, 403) },
    {
      method: 'POST',
      route: `${V}/me/payout-account`,
      path: () => `${V}/me/payout-account`,
      valid: () => ({}),
      invalid: { unexpected: true },
      expect: row(400, 400, 403, 403, 403, 403),
    },
    {
      method: 'GET',
      route: `${V}/recruiters/{id}/payout-account`,
      path: (r) => `${V}/recruiters/${r.m.recruiterId}/payout-account`,
      expect: row(403, 403, 403, 403, 403, 200),
    },
    split('retry', {}, { reason: 7 }),
    split(
      'change-account',
      { stripeAccountId: 'acct_matrix123', updateRecruiterAccount: false, ...reason },
      { stripeAccountId: 'not-an-account' },
    ),
    split('cancel', reason, {}),
    // directory
    { method: 'GET', route: `${V}/jobs`, path: () => `${V}/jobs`, expect: all(200) },
    // jobs (product §3.8): company admins post, edit, open / pause / close their company's; recruiters see the shared ones
    {
      method: 'POST',
      route: `${V}/jobs`,
      path: () => `${V}/jobs`,
      valid: () => ({ title: 'Matrix job', fee: { type: 'percentage', percentBps: 2000 } }),
      invalid: { title: '', fee: { type: 'percentage', percentBps: 2000, amountCents: 1 } },
      expect: row(403, 403, 400, 403, 400, 403),
    },
    { method: 'GET', route: `${V}/jobs/{id}`, path: (r) => `${V}/jobs/${r.m.jobId}`, expect: row(200, 200, 200, 200, 404, 200) },
    {
      method: 'PATCH',
      route: `${V}/jobs/{id}`,
      path: (r) => `${V}/jobs/${r.m.jobId}`,
      valid: () => ({ title: 'Matrix edit' }),
      invalid: { salary: { minCents: 2, maxCents: 1, currency: 'USD' } },
      expect: row(
        403,
        403,
        400,
        403,
        { status: 404, body: () => ({ title: 'Matrix edit' }), note: "a valid edit of another company's job" },
        403,
      ),
    },
    ...(['open', 'pause', 'close'] as const).map((cmd): Case => ({
      method: 'POST',
      route: `${V}/jobs/{id}/${cmd}`,
      path: (r) => `${V}/jobs/${r.m.jobId}/${cmd}`,
      expect: row(
        403,
        403,
        unknownId(() => `${V}/jobs/${randomUUID()}/${cmd}`),
        403,
        404,
        403,
      ),
    })),
    {
      method: 'GET',
      route: `${V}/jobs/{id}/changes`,
      path: (r) => `${V}/jobs/${r.m.jobId}/changes`,
      expect: row(403, 403, 200, 200, 404, 200),
    },
    // holders and partners (product §3.8): the company admin sets the holder; the holder shares with partners.
    // The matrix's job is marketplace-shared and has no holder: recruiters see it but hold nothing (403).
    {
      method: 'GET',
      route: `${V}/jobs/{id}/partners`,
      path: (r) => `${V}/jobs/${r.m.jobId}/partners`,
      expect: row(403, 403, 200, 200, 404, 200),
    },
    {
      method: 'PUT',
      route: `${V}/jobs/{id}/holder`,
      path: (r) => `${V}/jobs/${r.m.jobId}/holder`,
      valid: (r) => ({ recruiterId: r.m.recruiterId }),
      invalid: { recruiterId: 'nope' },
      expect: row(
        403,
        403,
        400,
        403,
        { status: 404, body: (r) => ({ recruiterId: r.m.recruiterId }), note: "a valid holder for another company's job" },
        403,
      ),
    },
    {
      method: 'DELETE',
      route: `${V}/jobs/{id}/holder`,
      path: (r) => `${V}/jobs/${r.m.jobId}/holder`,
      expect: row(403, 403, { status: 200, note: 'the job has no holder: nothing changes' }, 403, 404, 403),
    },
    {
      method: 'POST',
      route: `${V}/jobs/{id}/partners`,
      path: (r) => `${V}/jobs/${r.m.jobId}/partners`,
      valid: (r) => ({ recruiterId: r.m.otherRecruiterId }),
      invalid: { recruiterId: 'nope' },
      expect: row(400, 400, 403, 403, 403, 403),
    },
    {
      method: 'DELETE',
      route: `${V}/jobs/{id}/partners/{recruiterId}`,
      path: (r) => `${V}/jobs/${r.m.jobId}/partners/${r.m.otherRecruiterId}`,
      expect: row(
        { status: 400, path: (r) => `${V}/jobs/${r.m.jobId}/partners/not-a-uuid`, note: 'allowed role, invalid recruiter id' },
        { status: 403, note: 'sees the shared job but does not hold it' },
        403,
        403,
        403,
        403,
      ),
    },
    // company terms (product §3.11): the company's users read them, its admins and platform admins change them
    {
      method: 'GET',
      route: `${V}/companies/{id}/terms`,
      path: (r) => `${V}/companies/${r.m.companyId}/terms`,
      expect: row(403, 403, 200, 200, 404, 200),
    },
    {
      method: 'PATCH',
      route: `${V}/companies/{id}/terms`,
      path: (r) => `${V}/companies/${r.m.companyId}/terms`,
      valid: () => ({ guaranteeDays: 45, reason: 'auth-matrix' }),
      invalid: { guaranteeDays: 366 },
      expect: row(
        403,
        403,
        400,
        403,
        { status: 404, body: () => ({ guaranteeDays: 45 }), note: "a valid change of another company's terms" },
        400,
      ),
    },
    {
      method: 'GET',
      route: `${V}/companies/{id}/terms/changes`,
      path: (r) => `${V}/companies/${r.m.companyId}/terms/changes`,
      expect: row(403, 403, 200, 200, 404, 200),
    },
    { method: 'GET', route: `${V}/marketplace/terms`, path: () => `${V}/marketplace/terms`, expect: row(403, 403, 403, 403, 403, 200) },
    {
      method: 'PATCH',
      route: `${V}/marketplace/terms`,
      path: () => `${V}/marketplace/terms`,
      valid: () => ({ paymentTermsDays: 45, reason: 'auth-matrix' }),
      invalid: { platformFeeBps: 5001 },
      expect: row(403, 403, 403, 403, 403, 400),
    },
    {
      method: 'GET',
      route: `${V}/marketplace/terms/changes`,
      path: () => `${V}/marketplace/terms/changes`,
      expect: row(403, 403, 403, 403, 403, 200),
    },
    // people (product §3.10): company admins manage their company's people, platform admins everyone's; the matrix's
    // person is the fixture's hiring manager; allowed roles send invalid bodies or unknown ids, so nothing is written
    { method: 'GET', route: `${V}/people`, path: () => `${V}/people`, expect: row(...ADMINS_ONLY) },
    {
      method: 'GET',
      route: `${V}/people/{id}`,
      path: (r) => `${V}/people/${r.m.actors.hiringManager.userId}`,
      expect: row(403, 403, 200, 403, 404, 200),
    },
    {
      method: 'GET',
      route: `${V}/people/{id}/changes`,
      path: (r) => `${V}/people/${r.m.actors.hiringManager.userId}/changes`,
      expect: row(403, 403, 200, 403, 404, 200),
    },
    {
      method: 'POST',
      route: `${V}/people/invitations`,
      path: () => `${V}/people/invitations`,
      valid: () => ({ name: 'Matrix invitee', email: 'matrix-invitee@people.test', role: 'hiring_manager' }),
      invalid: { name: '', email: 'not an address', role: 'hiring_manager' },
      expect: row(403, 403, 400, 403, 400, 400),
    },
    {
      method: 'POST',
      route: `${V}/people/{id}/resend-invitation`,
      path: (r) => `${V}/people/${r.m.actors.hiringManager.userId}/resend-invitation`,
      expect: row(
        403,
        403,
        unknownId(() => `${V}/people/${randomUUID()}/resend-invitation`),
        403,
        404,
        unknownId(() => `${V}/people/${randomUUID()}/resend-invitation`),
      ),
    },
    {
      method: 'PATCH',
      route: `${V}/people/{id}`,
      path: (r) => `${V}/people/${r.m.actors.hiringManager.userId}`,
      valid: () => ({ role: 'company_admin' }),
      invalid: { role: 'recruiter' },
      expect: row(
        403,
        403,
        400,
        403,
        { status: 404, body: () => ({ role: 'company_admin' }), note: "a valid role change of another company's person" },
        400,
      ),
    },
    {
      method: 'POST',
      route: `${V}/people/{id}/deactivate`,
      path: (r) => `${V}/people/${r.m.actors.hiringManager.userId}/deactivate`,
      valid: () => ({}),
      invalid: { reason: 42 },
      expect: row(403, 403, 400, 403, { status: 404, body: () => ({}), note: "a valid deactivation of another company's person" }, 400),
    },
    {
      method: 'POST',
      route: `${V}/people/{id}/reactivate`,
      path: (r) => `${V}/people/${r.m.actors.hiringManager.userId}/reactivate`,
      expect: row(
        403,
        403,
        unknownId(() => `${V}/people/${randomUUID()}/reactivate`),
        403,
        404,
        unknownId(() => `${V}/people/${randomUUID()}/reactivate`),
      ),
    },
    { method: 'GET', route: `${V}/companies`, path: () => `${V}/companies`, expect: row(403, 403, 403, 403, 403, 200) },
    {
      method: 'POST',
      route: `${V}/companies`,
      path: () => `${V}/companies`,
      valid: () => ({ name: 'Matrix company', firstAdmin: { name: 'Matrix admin', email: 'matrix-admin@people.test' } }),
      invalid: { name: '', firstAdmin: { name: 'Matrix admin', email: 'matrix-admin@people.test' } },
      expect: row(403, 403, 403, 403, 403, 400),
    },
    {
      method: 'POST',
      route: `${V}/recruiters/invitations`,
      path: () => `${V}/recruiters/invitations`,
      valid: () => ({ name: 'Matrix recruiter', email: 'matrix-recruiter@people.test' }),
      invalid: { name: 'Matrix recruiter', email: 'not an address' },
      expect: row(403, 403, 403, 403, 403, 400),
    },
    { method: 'GET', route: `${V}/candidates`, path: () => `${V}/candidates`, expect: row(200, 200, 403, 403, 403, 200) },
    {
      method: 'GET',
      route: `${V}/candidates/{id}`,
      path: (r) => `${V}/candidates/${r.candidateId}`,
      expect: row(200, 200, 403, 403, 403, 200),
    },
    { method: 'GET', route: `${V}/recruiters`, path: () => `${V}/recruiters`, expect: all(200) },
    // candidates added by hand (product §3.9); the fixture's candidate was added by nobody here, so recruiters may not change it
    {
      method: 'POST',
      route: `${V}/candidates`,
      path: () => `${V}/candidates`,
      valid: () => ({ fullName: 'Matrix candidate' }),
      invalid: { fullName: '' },
      expect: row(400, 400, 403, 403, 403, 403),
    },
    {
      method: 'PATCH',
      route: `${V}/candidates/{id}`,
      path: (r) => `${V}/candidates/${r.candidateId}`,
      valid: () => ({ headline: 'Matrix' }),
      invalid: { headline: 7 },
      expect: row(400, 400, 403, 403, 403, 400),
    },
    {
      method: 'GET',
      route: `${V}/candidates/search`,
      path: () => `${V}/candidates/search?q=matrix`,
      expect: row(200, 200, 403, 403, 403, 200),
    },
    {
      method: 'GET',
      route: `${V}/candidates/{id}/profile`,
      path: (r) => `${V}/candidates/${r.candidateId}/profile`,
      expect: row(200, 200, 403, 403, 403, 200),
    },
    {
      method: 'POST',
      route: `${V}/candidates/{id}/cv`,
      path: (r) => `${V}/candidates/${r.candidateId}/cv`,
      expect: row({ status: 403, note: 'not added by them' }, { status: 403, note: 'not added by them' }, 403, 403, 403, {
        status: 415,
        note: 'no file sent',
      }),
    },
    {
      method: 'GET',
      route: `${V}/candidates/{id}/cv`,
      path: (r) => `${V}/candidates/${r.candidateId}/cv`,
      expect: row({ status: 403, note: 'not added by them' }, { status: 403, note: 'not added by them' }, 403, 403, 403, {
        status: 404,
        note: 'no CV uploaded',
      }),
    },
    {
      method: 'GET',
      route: `${V}/candidates/{id}/export`,
      path: (r) => `${V}/candidates/${r.candidateId}/export`,
      expect: row(403, 403, 403, 403, 403, 200),
    },
    {
      method: 'POST',
      route: `${V}/candidates/{id}/erase`,
      path: (r) => `${V}/candidates/${r.candidateId}/erase`,
      expect: row(
        403,
        403,
        403,
        403,
        403,
        unknownId(() => `${V}/candidates/${randomUUID()}/erase`),
      ),
    },
    // outreach
    {
      method: 'POST',
      route: `${V}/candidates/{id}/outreach`,
      path: (r) => `${V}/candidates/${r.candidateId}/outreach`,
      valid: () => ({ subject: 'Hello', body: 'Would you talk?' }),
      invalid: { subject: '' },
      expect: row(400, 400, 403, 403, 403, 403),
    },
    {
      method: 'GET',
      route: `${V}/candidates/{id}/outreach`,
      path: (r) => `${V}/candidates/${r.candidateId}/outreach`,
      expect: row(200, 200, 403, 403, 403, 200),
    },
    { method: 'GET', route: `${V}/marketplace-events`, path: () => `${V}/marketplace-events`, expect: row(403, 403, 403, 403, 403, 200) },
    // automation (product §3.5)
    {
      method: 'POST',
      route: `${V}/automation/rules`,
      path: () => `${V}/automation/rules`,
      valid: () => rule,
      invalid: { ...rule, name: '' },
      // The foreign admin names the other company: 403 ("company admins create rules for their own company").
      expect: row(403, 403, 400, 403, { status: 403, body: (r) => ({ ...rule, companyId: r.m.companyId }) }, 400),
    },
    { method: 'GET', route: `${V}/automation/rules`, path: () => `${V}/automation/rules`, expect: row(...ADMINS_ONLY) },
    {
      method: 'GET',
      route: `${V}/automation/rules/{id}`,
      path: (r) => `${V}/automation/rules/${r.ruleId}`,
      expect: row(403, 403, 200, 403, 404, 200),
    },
    {
      method: 'PATCH',
      route: `${V}/automation/rules/{id}`,
      path: (r) => `${V}/automation/rules/${r.ruleId}`,
      valid: () => ({ name: 'renamed by the matrix' }),
      invalid: { name: '' },
      expect: row(403, 403, 400, 403, 404, 400),
    },
    {
      method: 'DELETE',
      route: `${V}/automation/rules/{id}`,
      path: (r) => `${V}/automation/rules/${r.ruleId}`,
      expect: row(
        403,
        403,
        unknownId(() => `${V}/automation/rules/${randomUUID()}`),
        403,
        404,
        unknownId(() => `${V}/automation/rules/${randomUUID()}`),
      ),
    },
    { method: 'GET', route: `${V}/automation/executions`, path: () => `${V}/automation/executions`, expect: row(...ADMINS_ONLY) },
    // The execution waits for a company admin: its company's admins and platform admins see it; hiring managers only as approvers.
    {
      method: 'GET',
      route: `${V}/automation/executions/{id}`,
      path: (r) => `${V}/automation/executions/${r.executionId}`,
      expect: row(404, 404, 200, 404, 404, 200),
    },
    { method: 'GET', route: `${V}/approvals`, path: () => `${V}/approvals`, expect: row(403, 403, 200, 200, 200, 200) },
    ...(['approve', 'reject'] as const).map((verb): Case => ({
      method: 'POST',
      route: `${V}/approvals/{id}/${verb}`,
      path: (r) => `${V}/approvals/${r.executionId}/${verb}`,
      // The hiring manager sees the company's approval, and the workflow's validator refuses: not the approver role.
      valid: () => ({}),
      invalid: { comment: '' },
      expect: row(403, 403, 400, 403, 404, 400),
    })),
    { method: 'GET', route: `${V}/tasks`, path: () => `${V}/tasks`, expect: row(200, 200, 403, 403, 403, 200) },
    // decisions (product §3.5)
    {
      method: 'POST',
      route: `${V}/decisions`,
      path: () => `${V}/decisions`,
      valid: (r) => ({
        entityType: 'job',
        entityId: r.m.jobId,
        decisionType: 'fit',
        outcome: 'advance',
        confidence: 0.5,
        reasoning: 'matrix',
        modelVersion: 'm-1',
      }),
      invalid: { entityType: 'job', entityId: 'nope' },
      expect: row(403, 403, 400, 400, 404, 400),
    },
    {
      method: 'POST',
      route: `${V}/decisions/{id}/override`,
      path: (r) => `${V}/decisions/${r.decisionId}/override`,
      valid: () => ({ outcome: 'reject', reason: 'matrix' }),
      invalid: { outcome: '' },
      expect: row(403, 403, 400, 400, 404, 400),
    },
    { method: 'GET', route: `${V}/decisions`, path: () => `${V}/decisions`, expect: row(403, 403, 200, 200, 200, 200) },
    { method: 'GET', route: `${V}/decisions/export`, path: () => `${V}/decisions/export`, expect: row(403, 403, 200, 200, 200, 200) },
    // ATS integrations (product §3.6): company admins connect (platform admins may not); company / platform admins manage
    {
      method: 'POST',
      route: `${V}/integrations`,
      path: () => `${V}/integrations`,
      valid: () => ({ platform: 'lever', credentials: { apiKey: 'matrix-key' } }),
      invalid: { platform: 'taleo', credentials: {} },
      expect: row(403, 403, 400, 403, 400, 403),
    },
    { method: 'GET', route: `${V}/integrations`, path: () => `${V}/integrations`, expect: row(...ADMINS_ONLY) },
    { method: 'GET', route: `${V}/integrations/{id}`, path: integration, expect: row(403, 403, 200, 403, 404, 200) },
    {
      method: 'PATCH',
      route: `${V}/integrations/{id}`,
      path: integration,
      valid: () => ({ intervalMinutes: 5 }),
      invalid: { intervalMinutes: 0 },
      expect: row(403, 403, 400, 403, 404, 400),
    },
    {
      method: 'POST',
      route: `${V}/integrations/{id}/pause`,
      path: (r) => `${integration(r)}/pause`,
      expect: row(
        403,
        403,
        unknownId(() => `${V}/integrations/${randomUUID()}/pause`),
        403,
        404,
        unknownId(() => `${V}/integrations/${randomUUID()}/pause`),
      ),
    },
    {
      // Allowed roles reach the workflow, whose validator refuses: the integration is already running (409, nothing changes).
      method: 'POST',
      route: `${V}/integrations/{id}/resume`,
      path: (r) => `${integration(r)}/resume`,
      expect: row(403, 403, { status: 409, note: 'already running' }, 403, 404, { status: 409, note: 'already running' }),
    },
    {
      method: 'POST',
      route: `${V}/integrations/{id}/sync`,
      path: (r) => `${integration(r)}/sync`,
      valid: () => ({}),
      invalid: { mode: 'everything' },
      expect: row(403, 403, 400, 403, 404, 400),
    },
    {
      method: 'POST',
      route: `${V}/integrations/{id}/test`,
      path: (r) => `${integration(r)}/test`,
      expect: row(
        403,
        403,
        unknownId(() => `${V}/integrations/${randomUUID()}/test`),
        403,
        404,
        unknownId(() => `${V}/integrations/${randomUUID()}/test`),
      ),
    },
    {
      method: 'DELETE',
      route: `${V}/integrations/{id}`,
      path: integration,
      expect: row(
        403,
        403,
        unknownId(() => `${V}/integrations/${randomUUID()}`),
        403,
        404,
        unknownId(() => `${V}/integrations/${randomUUID()}`),
      ),
    },
    {
      method: 'GET',
      route: `${V}/integrations/{id}/sync-logs`,
      path: (r) => `${integration(r)}/sync-logs`,
      expect: row(403, 403, 200, 403, 404, 200),
    },
    {
      method: 'GET',
      route: `${V}/jobs/{id}/pipeline`,
      path: (r) => `${V}/jobs/${r.m.jobId}/pipeline`,
      expect: row(404, 404, 200, 200, 404, 200),
    },
    // webhooks: no bearer auth, the signature decides (here: none) whatever the token
    {
      method: 'POST',
      route: `${V}/webhooks/resend`,
      path: () => `${V}/webhooks/resend`,
      valid: () => ({ type: 'email.delivered', created_at: new Date().toISOString(), data: { email_id: randomUUID() } }),
      expect: { ...all(401), none: 401, expired: 401 },
    },
    // Stripe's: a delivery without Stripe-Signature is refused (400) whoever sends it
    {
      method: 'POST',
      route: `${V}/webhooks/stripe`,
      path: () => `${V}/webhooks/stripe`,
      valid: () => ({ id: 'evt_matrix', object: 'event', type: 'account.updated', data: { object: { id: 'acct_matrix' } } }),
      expect: everyone(400),
    },
    {
      method: 'POST',
      route: `${V}/integrations/{id}/webhooks`,
      path: (r) => `${integration(r)}/webhooks`,
      valid: () => ({ action: 'candidate_stage_change', payload: {} }),
      expect: { ...all(401), none: 401, expired: 401 },
    },
    // the codec server (not in the OpenAPI document): platform admins only
    ...(['decode', 'encode'] as const).map((op): Case => ({
      method: 'POST',
      route: `/codec/${op}`,
      path: () => `/codec/${op}`,
      valid: () => ({ payloads: [] }),
      invalid: { payloads: 'x' },
      expect: row(403, 403, 403, 403, 403, 400),
      roles: ['platform_admin'],
    })),
  ];
}

/** Creates the resources through the API (the marketplace's users and candidates through the factories, as test/api does). */
async function createResources(h: DrillStack, fail: (what: string) => never): Promise<{ res: Res; closeAts: () => Promise<void> }> {
  const m = await createMarketplace(h.db);
  const otherCandidateId = await createCandidate(h.db);
  const approvalCandidate = await createCandidate(h.db);
  await connectAccount(h.db, h.stripe, m.recruiterId, false); // the activation payout's split blocks, waiting for an admin
  const call = async (method: string, path: string, actor: Marketplace['actors'][RoleName], body?: unknown, status = [200, 201]) => {
    const r = await h.request(method, path, { actor, body });
    if (!status.includes(r.status)) fail(`fixture ${method} ${path}: ${r.status} ${r.text.slice(0, 300)}`);
    return r.body;
  };
  const a = m.actors;
  const rule = await call('POST', `${V}/automation/rules`, a.companyAdmin, {
    name: 'Matrix approval',
    trigger: 'proposal.accepted',
    actions: [{ type: 'create_task', title: 'Call the candidate' }],
    requiresApproval: true,
    approverRole: 'company_admin',
  });
  await call('POST', `${V}/candidates/${m.candidateId}/source`, a.recruiter, {});
  const proposal = await call('POST', `${V}/proposals`, a.recruiter, { candidateId: m.candidateId, jobId: m.jobId, pitch: 'Auth matrix' });
  const accepted = await call('POST', `${V}/proposals`, a.recruiter, {
    candidateId: approvalCandidate,
    jobId: m.jobId,
    pitch: 'Auth matrix (accepted)',
  });
  await call('POST', `${V}/proposals/${accepted.id}/accept`, a.companyAdmin, {});
  const placement = await call('POST', `${V}/placements`, a.companyAdmin, {
    jobId: m.jobId,
    candidateId: m.candidateId,
    feeCents: 2_500_000,
    currency: 'USD',
    startDate: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10),
    collaborators: [{ recruiterId: m.recruiterId, role: 'sourcer' }],
  });
  await call('POST', `${V}/placements/${placement.id}/activate`, a.companyAdmin, {});
  // The activation payout waits for the fee: the company pays its invoice (Stripe's webhook → the API → the workflow).
  const invoiceId = await eventually(
    async () =>
      (await h.db('placement_payments').where({ placement_id: placement.id }).first('stripe_invoice_id'))?.stripe_invoice_id as
        string | undefined,
    30_000,
  );
  if (!invoiceId) fail('the placement was not invoiced within 30s');
  const paid = await eventually(async () => (await payInvoice(h.stripe, invoiceId, 'succeed')) === 'paid', 30_000);
  if (!paid) fail(`the fee invoice ${invoiceId} could not be paid within 30s`);
  await call('POST', `${V}/candidates/${m.candidateId}/outreach`, a.recruiter, { subject: 'Matrix', body: 'Hello' });
  const decision = await call('POST', `${V}/decisions`, a.companyAdmin, {
    entityType: 'job',
    entityId: m.jobId,
    decisionType: 'fit',
    outcome: 'advance',
    confidence: 0.8,
    reasoning: 'matrix',
    modelVersion: 'm-1',
  });
  const ats = await startGreenhouseFake();
  const integration = await call('POST', `${V}/integrations`, a.companyAdmin, {
    platform: ats.platform,
    credentials: ats.config.credentials,
    baseUrl: ats.config.baseUrl,
    ...(ats.config.authUrl && { authUrl: ats.config.authUrl }),
    webhookSecret: ats.webhookSecret,
  });
  // Wait until every process has settled: the payout blocked, the approval pending, the first sync done.
  const payout = await eventually(async () => {
    const r = await h.request('GET', `${V}/payouts?status=blocked&placementId=${placement.id}`, { actor: a.platformAdmin });
    return r.body?.data?.[0];
  }, 30_000);
  if (!payout) fail('the activation payout did not block within 30s');
  const approval = await eventually(async () => {
    const r = await h.request('GET', `${V}/approvals`, { actor: a.companyAdmin });
    return r.body?.data?.find((x: { companyId: string }) => x.companyId === m.companyId);
  }, 30_000);
  if (!approval) fail('no pending approval within 30s');
  const synced = await eventually(async () => {
    const r = await h.request('GET', `${V}/integrations/${integration.id}`, { actor: a.companyAdmin });
    return r.body?.live?.runs >= 1 && !r.body.live.syncing;
  }, 60_000);
  if (!synced) fail('the integration did not finish its first sync within 60s');
  // Every Stripe event answered: nothing still on its way to the workflows when the snapshot is taken.
  await h.stripe.webhooksSettled();
  return {
    res: {
      m,
      candidateId: m.candidateId,
      otherCandidateId,
      proposalId: proposal.id,
      placementId: placement.id,
      payoutId: payout.id,
      splitId: payout.splits[0].id,
      integrationId: integration.id,
      ruleId: rule.id,
      executionId: approval.executionId,
      decisionId: decision.id,
    },
    closeAts: () => ats.close(),
  };
}

const drill: Drill = {
  name: 'auth-matrix',
  timeoutMs: 10 * 60_000,
  async run() {
    const checked: string[] = [];
    const failures: string[] = [];
    const h = await startDrillStack();
    let closeAts: () => Promise<void> = async () => undefined;
    try {
      const created = await createResources(h, (what) => {
        throw new Error(what);
      });
      closeAts = created.closeAts;
      const r = created.res;
      const broken = ruleBreakingTokens(r.m.actors.platformAdmin);
      const tokens: Record<Who, string | undefined> = {
        ...(Object.fromEntries(await Promise.all(ROLES.map(async (role) => [role, await h.token(r.m.actors[role])]))) as Record<
          RoleName,
          string
        >),
        none: undefined,
        expired: await expiredToken(r.m.actors.platformAdmin),
        forever: await broken.forever,
        tooLong: await broken.tooLong,
        otherAudience: await broken.otherAudience,
        unknownRole: await broken.unknownRole,
      };
      const matrix = cases();

      // Every route of the OpenAPI document is in the matrix (and nothing in it is unknown, but /codec).
      const doc = await h.request('GET', `${V}/openapi.json`);
      const documented = Object.entries(doc.body.paths as Record<string, Record<string, unknown>>).flatMap(([p, ms]) =>
        Object.keys(ms).map((m) => `${m.toUpperCase()} ${p}`),
      );
      const inMatrix = new Set(matrix.map((c) => `${c.method} ${c.route}`));
      const missing = documented.filter((k) => !inMatrix.has(k));
      const extra = [...inMatrix].filter((k) => !documented.includes(k) && !k.includes('/codec/'));
      for (const k of missing) failures.push(`route not in the matrix: ${k}`);
      for (const k of extra) failures.push(`matrix route not in the OpenAPI document: ${k}`);
      checked.push(
        `coverage: ${documented.length} documented operations, ${missing.length} missing from the matrix; + /codec/decode, /codec/encode`,
      );
      const declaredRoles = new Map(
        Object.entries(doc.body.paths as Record<string, Record<string, { 'x-roles'?: string[] }>>).flatMap(([p, ms]) =>
          Object.entries(ms).map(([m, op]) => [`${m.toUpperCase()} ${p}`, op['x-roles']] as const),
        ),
      );
      /** Whether this cell is refused for who the caller is (no valid token, or a role the route does not admit), before the body is read. */
      const refusedUpFront = (c: Case, who: Who, status: number) => {
        if (!isRole(who)) return status === 401;
        const roles = c.roles ?? declaredRoles.get(`${c.method} ${c.route}`);
        return status === 403 && !!roles && !roles.includes(r.m.actors[who].role);
      };
      let refusedInvalid = 0;

      const before = await snapshotTables(h.db);
      const cells: { route: string; who: Who; expected: number; got: number; note?: string }[] = [];
      for (const c of matrix) {
        for (const who of WHO) {
          const e: Expect = isRole(who) ? c.expect[who] : ((c.expect as Partial<Record<Who, Expect>>)[who] ?? 401);
          const cell: Cell = typeof e === 'number' ? { status: e } : e;
          const allowed = cell.status === 400 && c.invalid !== undefined;
          const body = cell.body ? cell.body(r) : allowed ? c.invalid : c.valid?.(r);
          const path = cell.path ? cell.path(r) : c.path(r);
          const res = await h.request(c.method, path, { token: tokens[who], body });
          cells.push({ route: `${c.method} ${c.route}`, who, expected: cell.status, got: res.status, note: cell.note });
          if (res.status !== cell.status) {
            failures.push(
              `${c.method} ${path} as ${who}${cell.note ? ` (${cell.note})` : ''}: expected ${cell.status}, got ${res.status} ${res.text.slice(0, 200)}`,
            );
          }
          // Authorisation before validation: the same refusal with an invalid body, not a 400 about it.
          if (c.invalid !== undefined && !cell.body && refusedUpFront(c, who, cell.status)) {
            const invalid = await h.request(c.method, path, { token: tokens[who], body: c.invalid });
            refusedInvalid++;
            cells.push({ route: `${c.method} ${c.route}`, who, expected: cell.status, got: invalid.status, note: 'invalid body' });
            if (invalid.status !== cell.status) {
              failures.push(
                `${c.method} ${path} as ${who} with an invalid body: expected ${cell.status} (authorisation first), got ${invalid.status} ${invalid.text.slice(0, 200)}`,
              );
            }
          }
        }
      }
      await new Promise((done) => setTimeout(done, 1000));
      const changed = diffTables(before, await snapshotTables(h.db));
      for (const t of changed)
        failures.push(
          `the matrix changed table ${t.table}: ${t.rowsBefore} → ${t.rowsAfter} rows${t.contentChanged ? ' (content differs)' : ''}`,
        );

      const routes = [...new Set(cells.map((c) => c.route))];
      for (const route of routes) {
        const mine = cells.filter((c) => c.route === route);
        const ok = mine.filter((c) => c.got === c.expected).length;
        const summary = WHO.map((w) => `${w} ${mine.find((c) => c.who === w)?.expected}`).join(', ');
        checked.push(`${route}: ${ok}/${mine.length} as expected (${summary})`);
      }
      checked.push(`authorisation before validation: ${refusedInvalid} refused cells also sent an invalid body and got the same 401/403`);
      checked.push(`database unchanged by the matrix: ${changed.length} of ${before.size} tables changed`);
      const byStatus: Record<string, number> = {};
      for (const c of cells) byStatus[c.expected] = (byStatus[c.expected] ?? 0) + 1;
      return {
        checked,
        lost: changed.reduce((n, t) => n + Math.max(1, Math.abs(t.rowsAfter - t.rowsBefore)), 0),
        failures,
        details: {
          cells: cells.length,
          mismatches: cells.filter((c) => c.got !== c.expected),
          expectedByStatus: byStatus,
          tablesChanged: changed,
        },
      };
    } finally {
      await h.stop();
      await closeAts();
    }
  },
};

export default drill;
