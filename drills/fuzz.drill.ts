/**
 * Fuzzes the API with N (DRILL_FUZZ_N, default 10,000) requests that must all be refused:
 * malformed / oversized / wrong-type bodies, invalid ids, junk queries, wrong methods,
 * missing / forged / expired / unsigned tokens and wrong roles, generated with fast-check
 * over the routes of the OpenAPI document (seeded: DRILL_FUZZ_SEED repeats a run).
 * Then text-content attacks (drills/lib/text-attacks.ts): NUL, lone surrogates, control and bidi
 * characters, 1 MB strings and look-alike spellings in every text field of a valid request to each
 * route that stores text, and in every operation's path, query and body.
 * Asserts: 0 responses 5xx, 0 accepted (2xx/3xx), every error in the product §4 shape, bodies
 * over the limits answered 413, hostile characters answered 400 naming the field, nothing
 * written: every table's row count and content and the number of workflows in Temporal are the
 * same before and after, and no running workflow is left with a retrying or failed activity or an
 * unanswered update.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { createMarketplace, type Marketplace } from '../testkit/harness/factories.js';
import {
  diffTables,
  eventually,
  expiredToken,
  forgedToken,
  hasErrorShape,
  snapshotTables,
  startDrillStack,
  unsignedToken,
  workflowCount,
  type DrillStack,
} from './lib/harness.js';
import type { Drill } from './lib/report.js';
import { runTextAttacks } from './lib/text-attacks.js';
import { stuckWorkflows } from '../testkit/harness/stuck-workflows.js';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type RoleName = 'recruiter' | 'otherRecruiter' | 'companyAdmin' | 'hiringManager' | 'foreignAdmin' | 'platformAdmin';
const ROLES: RoleName[] = ['recruiter', 'otherRecruiter', 'companyAdmin', 'hiringManager', 'foreignAdmin', 'platformAdmin'];
type BadAuth = 'none' | 'garbage' | 'forged' | 'expired' | 'unsigned' | 'emptyBearer' | 'basic' | 'lowercaseBearer';
const BAD_AUTH: BadAuth[] = ['none', 'garbage', 'forged', 'expired', 'unsigned', 'emptyBearer', 'basic', 'lowercaseBearer'];

/** One operation of the API as the OpenAPI document describes it (plus /codec, which it does not list). */
interface Op {
  method: Method;
  /** `/api/v1/proposals/{id}` */
  path: string;
  auth: boolean;
  params: string[];
  queryParams: string[];
  hasBody: boolean;
  /** Refused body size (the parser's limit) in bytes. */
  limit: number;
}

/** Why a generated request must be refused; each reason is one the request is built to have. */
type Reason = 'unauthenticated' | 'badId' | 'unknownId' | 'invalidBody' | 'oversized' | 'badQuery' | 'wrongMethod' | 'wrongRole';

const BAD_IDS = [
  'not-a-uuid',
  '0',
  '-1',
  '1.5',
  'NaN',
  'Infinity',
  '99999999999999999999',
  "'; drop table candidates; --",
  '%00',
  '%25',
  '%E0%A4%A',
  '%',
  '..%2F..%2Fetc%2Fpasswd',
  'a'.repeat(3000),
  '%F0%9F%92%A9',
  '00000000-0000-0000-0000-00000000000g',
  '{id}',
  'null',
  'undefined',
  '00000000000000000000000000000000',
  '%7B%22%24gt%22%3A%22%22%7D',
  `${randomUUID()}%20`,
  `${randomUUID()}x`,
  '%20',
];

const INVALID_JSON = [
  '{',
  '{"a":',
  "{'a':1}",
  '[1,2',
  'undefined',
  'NaN',
  '{"a":1}garbage',
  '\u0000',
  'null',
  '123',
  '"text"',
  'true',
  '{"a":1,}',
  '<xml/>',
  '--',
  '{"a":"\\x"}',
];

const WRONG_CONTENT_TYPES = [
  'application/vnd.api+json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/octet-stream',
  '',
];
/** Content types express.json() parses (anything else is skipped, and the route reads the body as {}). */
const JSON_CONTENT_TYPES = ['application/json', 'application/json; charset=utf-8', 'application/json;charset=UTF-8'];
/** Content types the JSON parser refuses itself (415), and encodings it does not know or cannot inflate. */
const BROKEN_ENCODINGS: Record<string, string>[] = [
  { 'content-type': 'application/json; charset=utf-16' },
  { 'content-type': 'application/json; charset=koi8-r' },
  { 'content-type': 'application/json', 'content-encoding': 'br-but-not' },
  { 'content-type': 'application/json', 'content-encoding': 'gzip' },
  { 'content-type': 'application/json', 'content-encoding': 'deflate' },
  { 'content-type': 'application/json', 'content-encoding': 'br' },
];

/** The generated part of a request; `build` turns it into one guaranteed to be refused. */
interface Sample {
  op: number;
  reason: Reason;
  role: RoleName;
  badAuth: BadAuth;
  useBadAuth: boolean;
  id: { kind: 'real' | 'unknown' | 'bad'; pick: number };
  body: BodyShape;
  query: [string, string][];
  contentType: number;
  brokenEncoding: number | null;
  idempotencyKey: string | null;
  requestId: string | null;
  altMethod: number;
  wrongRole: number;
}

type BodyShape =
  | { kind: 'none' }
  | { kind: 'invalidJson'; pick: number }
  | { kind: 'json'; value: unknown }
  | { kind: 'deep'; depth: number; array: boolean }
  | { kind: 'hugeString'; size: number };

const FIELD_NAMES = [
  'candidateId',
  'jobId',
  'pitch',
  'reason',
  'feeCents',
  'currency',
  'startDate',
  'collaborators',
  'days',
  'name',
  'trigger',
  'conditions',
  'actions',
  'companyId',
  'platform',
  'credentials',
  'subject',
  'body',
  'to',
  'recruiterId',
  'stripeAccountId',
  'comment',
  'outcome',
  'confidence',
  'entityType',
  'entityId',
  'mode',
  'intervalMinutes',
  'payloads',
  'approverRole',
  'requiresApproval',
  'enabled',
  'holdbackPercent',
  'splitPercent',
  'placementId',
];

const junkValue: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true, maxDepth: 3 },
    fc.constantFrom(
      null,
      true,
      false,
      0,
      -1,
      1e308,
      -0,
      Number.MAX_SAFE_INTEGER + 2,
      '',
      ' ',
      '1',
      'null',
      '__proto__',
      '$gt',
      '<script>alert(1)</script>',
      "' OR 1=1 --",
      '../../etc/passwd',
      '\u0000',
      '\ud800',
      '2025-02-30',
      'USD',
      'acct_',
      'proposal.accepted',
      '100',
      '-5',
      '33.333',
      randomUUID(),
    ),
    fc.string({ maxLength: 40 }),
    fc.integer(),
    fc.double(),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom(...FIELD_NAMES, '__proto__', 'constructor', '$where'), tie('v'), { maxKeys: 4 }),
  ),
})).v;

/** A JSON object that no body schema accepts: it always has a key no schema knows (all are strict objects). */
const invalidObject = fc
  .record({
    known: fc.dictionary(fc.constantFrom(...FIELD_NAMES), junkValue, { maxKeys: 6 }),
    extraKey: fc.constantFrom('unexpected', 'isAdmin', 'role', 'userId', '$set', 'constructor', 'prototype', 'extra_field'),
    extra: junkValue,
    proto: fc.boolean(),
  })
  .map(({ known, extraKey, extra, proto }) => {
    const obj: Record<string, unknown> = { ...known, [extraKey]: extra ?? 'x' };
    return proto ? (JSON.parse(`{"__proto__":{"isAdmin":true},${JSON.stringify(obj).slice(1)}`) as unknown) : obj;
  });

const bodyArb: fc.Arbitrary<BodyShape> = fc.oneof(
  { arbitrary: fc.constant({ kind: 'none' as const }), weight: 1 },
  { arbitrary: fc.nat(INVALID_JSON.length - 1).map((pick) => ({ kind: 'invalidJson' as const, pick })), weight: 3 },
  { arbitrary: invalidObject.map((value) => ({ kind: 'json' as const, value })), weight: 5 },
  { arbitrary: fc.array(junkValue, { maxLength: 5 }).map((value) => ({ kind: 'json' as const, value })), weight: 1 },
  {
    arbitrary: fc
      .record({ depth: fc.constantFrom(100, 1000, 10_000, 45_000), array: fc.boolean() })
      .map((d) => ({ kind: 'deep' as const, ...d })),
    weight: 1,
  },
  { arbitrary: fc.constantFrom(6_000, 20_000, 90_000).map((size) => ({ kind: 'hugeString' as const, size })), weight: 1 },
);

const queryArb = fc.array(
  fc.tuple(
    fc.oneof(
      fc.constantFrom(
        'limit',
        'cursor',
        'state',
        'status',
        'companyId',
        'recruiterId',
        'jobId',
        'candidateId',
        'format',
        'from',
        'to',
        'minConfidence',
        'entity',
        'sourcedByMe',
        'type',
        'trigger',
        'enabled',
      ),
      fc.constantFrom(
        'limit[$gt]',
        'state[]',
        'state[0]',
        'cursor[a][b][c][d][e][f][g]',
        'companyId[]',
        '__proto__[isAdmin]',
        'constructor[prototype][x]',
        'status[99999]',
        'limit[]',
      ),
      fc.string({ minLength: 1, maxLength: 12 }),
    ),
    fc.oneof(
      fc.constantFrom(
        '',
        '-1',
        '0',
        '101',
        '1e3',
        'NaN',
        'true',
        'csv',
        'xml',
        'a'.repeat(500),
        "'",
        '%00',
        '2025-13-01T00:00:00Z',
        randomUUID(),
      ),
      fc.string({ maxLength: 20 }),
    ),
  ),
  { maxLength: 4 },
);

const sampleArb = (ops: Op[], wrongRoles: number): fc.Arbitrary<Sample> =>
  fc.record({
    op: fc.nat(ops.length - 1),
    reason: fc.constantFrom<Reason>(
      'unauthenticated',
      'badId',
      'unknownId',
      'invalidBody',
      'invalidBody',
      'oversized',
      'badQuery',
      'wrongMethod',
      'wrongRole',
      'wrongRole',
    ),
    role: fc.constantFrom(...ROLES),
    badAuth: fc.constantFrom(...BAD_AUTH),
    useBadAuth: fc.boolean(),
    id: fc.record({ kind: fc.constantFrom<'real' | 'unknown' | 'bad'>('real', 'unknown', 'bad'), pick: fc.nat(10_000) }),
    body: bodyArb,
    query: queryArb,
    contentType: fc.nat(100),
    brokenEncoding: fc.option(fc.nat(BROKEN_ENCODINGS.length - 1), { freq: 8 }),
    idempotencyKey: fc.option(
      fc.oneof(fc.constant(`fuzz-${randomUUID()}`), fc.constantFrom('has spaces', 'x'.repeat(300), '', 'ключ', 'a/b')),
      { freq: 3 },
    ),
    requestId: fc.option(fc.oneof(fc.string({ maxLength: 40 }), fc.constant('r'.repeat(2000))), { freq: 4 }),
    altMethod: fc.nat(4),
    wrongRole: fc.nat(Math.max(0, wrongRoles - 1)),
  });

interface Built {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  reason: Reason;
  /** The status this reason should give when it is the first check to fail (informational, except 413). */
  expect?: number;
  describe: string;
}

interface Fixture {
  m: Marketplace;
  real: { candidateId: string; jobId: string; proposalId: string; ruleId: string; decisionId: number; otherCandidateId: string };
  tokens: Record<RoleName, string>;
  badTokens: Record<BadAuth, string | null>;
}

/** (method path → roles refused by their role alone) with bodies that are otherwise valid, as the routes' requireRole say. */
function wrongRoleCases(f: Fixture): { method: Method; path: string; roles: RoleName[]; body?: unknown }[] {
  const { m, real } = f;
  const company: RoleName[] = ['companyAdmin', 'hiringManager', 'foreignAdmin'];
  const recruiters: RoleName[] = ['recruiter', 'otherRecruiter'];
  const notPlatform: RoleName[] = ROLES.filter((r) => r !== 'platformAdmin');
  const rule = {
    name: 'Fuzz rule',
    trigger: 'proposal.accepted',
    actions: [{ type: 'create_task', title: 'Call' }],
    requiresApproval: false,
    enabled: false,
  };
  return [
    {
      method: 'POST',
      path: '/api/v1/proposals',
      roles: [...company, 'platformAdmin'],
      body: { candidateId: real.otherCandidateId, jobId: real.jobId, pitch: 'fuzz' },
    },
    { method: 'POST', path: `/api/v1/candidates/${real.otherCandidateId}/source`, roles: [...company, 'platformAdmin'], body: {} },
    {
      method: 'POST',
      path: `/api/v1/candidates/${real.candidateId}/outreach`,
      roles: [...company, 'platformAdmin'],
      body: { subject: 'Hi', body: 'Hello' },
    },
    {
      method: 'POST',
      path: '/api/v1/integrations',
      roles: [...recruiters, 'hiringManager', 'platformAdmin'],
      body: { platform: 'lever', credentials: { apiKey: 'k' } },
    },
    { method: 'POST', path: '/api/v1/automation/rules', roles: [...recruiters, 'hiringManager'], body: rule },
    {
      method: 'POST',
      path: '/api/v1/automation/rules',
      roles: ['companyAdmin'],
      body: { ...rule, companyId: m.actors.foreignAdmin.companyId },
    },
    {
      method: 'POST',
      path: '/api/v1/placements',
      roles: [...recruiters, 'hiringManager', 'foreignAdmin'],
      body: {
        jobId: real.jobId,
        candidateId: real.candidateId,
        feeCents: 1000,
        currency: 'USD',
        startDate: '2030-01-01',
        collaborators: [{ recruiterId: m.recruiterId, role: 'sourcer' }],
      },
    },
    {
      method: 'POST',
      path: '/api/v1/placements/calculate-splits',
      roles: recruiters,
      body: { feeCents: 1000, collaborators: [{ role: 'sourcer' }] },
    },
    {
      method: 'POST',
      path: '/api/v1/decisions',
      roles: recruiters,
      body: {
        entityType: 'job',
        entityId: real.jobId,
        decisionType: 'fit',
        outcome: 'advance',
        confidence: 0.5,
        reasoning: 'r',
        modelVersion: 'm',
      },
    },
    { method: 'POST', path: `/api/v1/decisions/${real.decisionId}/override`, roles: recruiters, body: { outcome: 'reject', reason: 'r' } },
    { method: 'POST', path: `/api/v1/proposals/${real.proposalId}/accept`, roles: ['recruiter', 'platformAdmin'], body: {} },
    { method: 'POST', path: `/api/v1/proposals/${real.proposalId}/decline`, roles: ['recruiter', 'platformAdmin'], body: {} },
    { method: 'POST', path: `/api/v1/proposals/${real.proposalId}/review`, roles: ['recruiter', 'platformAdmin'], body: {} },
    {
      method: 'POST',
      path: `/api/v1/proposals/${real.proposalId}/withdraw`,
      roles: ['companyAdmin', 'hiringManager', 'platformAdmin'],
      body: {},
    },
    {
      method: 'POST',
      path: `/api/v1/candidates/${real.candidateId}/source/release`,
      roles: ['otherRecruiter', 'companyAdmin', 'hiringManager', 'platformAdmin'],
      body: {},
    },
    { method: 'POST', path: `/api/v1/candidates/${real.candidateId}/source/extend`, roles: notPlatform, body: { days: 3, reason: 'fuzz' } },
    { method: 'POST', path: `/api/v1/payouts/${randomUUID()}/splits/${randomUUID()}/retry`, roles: notPlatform, body: {} },
    { method: 'POST', path: '/api/v1/operator-session', roles: notPlatform },
    { method: 'GET', path: '/api/v1/marketplace-events', roles: notPlatform },
    {
      method: 'POST',
      path: '/api/v1/jobs',
      roles: [...recruiters, 'hiringManager', 'platformAdmin'],
      body: { title: 'Fuzz job', fee: { type: 'fixed', amountCents: 100, currency: 'USD' } },
    },
    {
      method: 'PATCH',
      path: `/api/v1/jobs/${real.jobId}`,
      roles: [...recruiters, 'hiringManager', 'platformAdmin'],
      body: { title: 'Fuzz edit' },
    },
    ...(['open', 'pause', 'close'] as const).map((cmd) => ({
      method: 'POST' as const,
      path: `/api/v1/jobs/${real.jobId}/${cmd}`,
      roles: [...recruiters, 'hiringManager', 'platformAdmin'] as RoleName[],
    })),
    { method: 'GET', path: `/api/v1/jobs/${real.jobId}/changes`, roles: recruiters },
    // Holders and partners (product §3.8): the company admin sets the holder, the holder (a recruiter) shares.
    {
      method: 'PUT',
      path: `/api/v1/jobs/${real.jobId}/holder`,
      roles: [...recruiters, 'hiringManager', 'platformAdmin'],
      body: { recruiterId: m.recruiterId },
    },
    { method: 'DELETE', path: `/api/v1/jobs/${real.jobId}/holder`, roles: [...recruiters, 'hiringManager', 'platformAdmin'] },
    {
      method: 'POST',
      path: `/api/v1/jobs/${real.jobId}/partners`,
      roles: [...company, 'platformAdmin'],
      body: { recruiterId: m.otherRecruiterId },
    },
    { method: 'DELETE', path: `/api/v1/jobs/${real.jobId}/partners/${m.otherRecruiterId}`, roles: [...company, 'platformAdmin'] },
    { method: 'GET', path: `/api/v1/companies/${m.companyId}/terms`, roles: recruiters },
    {
      method: 'PATCH',
      path: `/api/v1/companies/${m.companyId}/terms`,
      roles: [...recruiters, 'hiringManager'],
      body: { guaranteeDays: 45 },
    },
    { method: 'GET', path: `/api/v1/companies/${m.companyId}/terms/changes`, roles: recruiters },
    { method: 'GET', path: '/api/v1/marketplace/terms', roles: notPlatform },
    { method: 'PATCH', path: '/api/v1/marketplace/terms', roles: notPlatform, body: { paymentTermsDays: 45 } },
    { method: 'GET', path: '/api/v1/marketplace/terms/changes', roles: notPlatform },
    { method: 'GET', path: '/api/v1/candidates', roles: company },
    { method: 'GET', path: `/api/v1/candidates/${real.candidateId}`, roles: company },
    { method: 'GET', path: `/api/v1/candidates/${real.candidateId}/outreach`, roles: company },
    { method: 'POST', path: '/api/v1/candidates', roles: [...company, 'platformAdmin'], body: { fullName: 'Fuzz candidate' } },
    { method: 'GET', path: '/api/v1/candidates/search?q=fuzz', roles: company },
    { method: 'GET', path: `/api/v1/candidates/${real.candidateId}/export`, roles: notPlatform },
    { method: 'POST', path: `/api/v1/candidates/${real.candidateId}/erase`, roles: notPlatform },
    { method: 'GET', path: '/api/v1/tasks', roles: company },
    { method: 'GET', path: '/api/v1/integrations', roles: [...recruiters, 'hiringManager'] },
    { method: 'GET', path: '/api/v1/automation/rules', roles: [...recruiters, 'hiringManager'] },
    { method: 'GET', path: '/api/v1/automation/executions', roles: [...recruiters, 'hiringManager'] },
    { method: 'GET', path: '/api/v1/approvals', roles: recruiters },
    { method: 'GET', path: '/api/v1/decisions', roles: recruiters },
    { method: 'GET', path: '/api/v1/decisions/export', roles: recruiters },
    { method: 'POST', path: '/codec/decode', roles: notPlatform, body: { payloads: [] } },
    // people (product §3.10): company and platform admins only; companies and recruiter onboarding: platform admins only
    { method: 'GET', path: '/api/v1/people', roles: [...recruiters, 'hiringManager'] },
    {
      method: 'POST',
      path: '/api/v1/people/invitations',
      roles: [...recruiters, 'hiringManager'],
      body: { name: 'Fuzz invitee', email: 'fuzz-invitee@people.test', role: 'hiring_manager' },
    },
    {
      method: 'PATCH',
      path: `/api/v1/people/${m.actors.hiringManager.userId}`,
      roles: [...recruiters, 'hiringManager'],
      body: { role: 'company_admin' },
    },
    {
      method: 'POST',
      path: `/api/v1/people/${m.actors.hiringManager.userId}/deactivate`,
      roles: [...recruiters, 'hiringManager'],
      body: {},
    },
    { method: 'POST', path: `/api/v1/people/${m.actors.hiringManager.userId}/reactivate`, roles: [...recruiters, 'hiringManager'] },
    { method: 'GET', path: '/api/v1/companies', roles: notPlatform },
    {
      method: 'POST',
      path: '/api/v1/companies',
      roles: notPlatform,
      body: { name: 'Fuzz company', firstAdmin: { name: 'Fuzz admin', email: 'fuzz-admin@people.test' } },
    },
    {
      method: 'POST',
      path: '/api/v1/recruiters/invitations',
      roles: notPlatform,
      body: { name: 'Fuzz recruiter', email: 'fuzz-rec@people.test' },
    },
  ];
}

function deepJson(depth: number, array: boolean): string {
  const [open, close] = array ? ['[', ']'] : ['{"a":', '}'];
  return `{"unexpected":${open.repeat(depth)}1${close.repeat(depth)}}`;
}

function bodyText(shape: BodyShape): string | undefined {
  switch (shape.kind) {
    case 'none':
      return undefined;
    case 'invalidJson':
      return INVALID_JSON[shape.pick]!;
    case 'json':
      return JSON.stringify(shape.value);
    case 'deep':
      return deepJson(shape.depth, shape.array);
    case 'hugeString':
      return JSON.stringify({ pitch: 'x'.repeat(shape.size), reason: 'y'.repeat(shape.size), unexpected: true });
  }
}

const realIdFor = (f: Fixture, path: string, pick: number, param: string): string => {
  if (path.includes('/decisions/{id}')) return String(f.real.decisionId);
  const pool = [
    f.real.candidateId,
    f.real.jobId,
    f.real.proposalId,
    f.real.ruleId,
    f.real.otherCandidateId,
    f.m.companyId,
    f.m.recruiterId,
  ];
  if (param === 'id' && path.startsWith('/api/v1/proposals/')) return f.real.proposalId;
  if (param === 'id' && path.startsWith('/api/v1/candidates/')) return pick % 2 ? f.real.candidateId : f.real.otherCandidateId;
  if (param === 'id' && path.startsWith('/api/v1/automation/rules/')) return f.real.ruleId;
  if (param === 'id' && path.startsWith('/api/v1/jobs/')) return f.real.jobId;
  if (param === 'id' && path.startsWith('/api/v1/companies/')) return f.m.companyId;
  return pool[pick % pool.length]!;
};
const ONE_FIELD_BODIES = new Set(['POST /api/v1/me/api-keys']);
const unknownIdFor = (path: string) =>
  path.includes('/decisions/{id}') ? String(1_000_000_000_000 + Math.floor(Math.random() * 1e12)) : randomUUID();

/** Turns a sample into a request that must be refused for its reason (falling back to a reason that applies to the operation). */
function build(s: Sample, ops: Op[], f: Fixture, wrongRole: ReturnType<typeof wrongRoleCases>): Built {
  const op = ops[s.op]!;
  let reason = s.reason;
  if ((reason === 'badId' || reason === 'unknownId') && op.params.length === 0) reason = op.auth ? 'unauthenticated' : 'oversized';
  if (reason === 'invalidBody' && !op.hasBody) reason = op.params.length ? 'unknownId' : 'unauthenticated';
  if (reason === 'badQuery' && op.queryParams.length === 0) reason = op.params.length ? 'badId' : 'oversized';
  if (reason === 'unauthenticated' && !op.auth) reason = op.params.length ? 'unknownId' : 'invalidBody';
  if (reason === 'invalidBody' && !op.auth && !op.params.length && op.path.includes('/webhooks')) reason = 'unauthenticated'; // the Resend webhook: refused unsigned
  // A public read without parameters (the sign-in options) answers anyone: only a body over the limit is refused.
  if (!op.auth && !op.hasBody && !op.params.length) reason = 'oversized';

  const headers: Record<string, string> = {};
  if (s.requestId !== null) headers['x-request-id'] = s.requestId.replace(/[^\x20-\x7e]/g, '');
  if (s.idempotencyKey !== null) {
    // Valid keys are unique per request (a reused key with another body is a 422 of its own); invalid ones stay as generated.
    const key = s.idempotencyKey.startsWith('fuzz-') ? `fuzz-${randomUUID()}` : s.idempotencyKey;
    headers['idempotency-key'] = /^[\x20-\x7e]*$/.test(key) ? key : encodeURIComponent(key);
  }
  const setToken = (t: string | null) => {
    if (t !== null) headers.authorization = t;
  };

  if (reason === 'wrongRole' && wrongRole.length) {
    const c = wrongRole[s.wrongRole % wrongRole.length]!;
    const role = c.roles[s.altMethod % c.roles.length]!;
    // The idempotency middleware checks its header before the route checks the role.
    if (headers['idempotency-key'] !== undefined && !/^[A-Za-z0-9_\-:.]{1,255}$/.test(headers['idempotency-key']))
      delete headers['idempotency-key'];
    setToken(`Bearer ${f.tokens[role]}`);
    if (c.body !== undefined) headers['content-type'] = 'application/json';
    return {
      method: c.method,
      path: c.path,
      headers,
      body: c.body === undefined ? undefined : JSON.stringify(c.body),
      reason,
      expect: 403,
      describe: `${c.method} ${c.path} as ${role}`,
    };
  }
  if (reason === 'wrongRole') reason = 'unauthenticated';

  // Path ids.
  let path = op.path;
  for (const p of op.params) {
    const value =
      reason === 'badId' && p === op.params[s.id.pick % op.params.length]
        ? BAD_IDS[s.id.pick % BAD_IDS.length]!
        : reason === 'unknownId'
          ? unknownIdFor(op.path)
          : s.id.kind === 'bad'
            ? BAD_IDS[s.id.pick % BAD_IDS.length]!
            : s.id.kind === 'unknown'
              ? unknownIdFor(op.path)
              : realIdFor(f, op.path, s.id.pick, p);
    path = path.replace(`{${p}}`, value);
  }
  // Query: junk, or (badQuery) a key no query schema knows.
  const query = new URLSearchParams();
  for (const [k, v] of s.query) query.append(k, v);
  if (reason === 'badQuery') query.append(`zz_${s.id.pick}`, 'unexpected');
  const qs = query.toString();
  // Auth.
  const unauth = reason === 'unauthenticated' || (s.useBadAuth && reason !== 'invalidBody' && reason !== 'oversized');
  setToken(unauth ? f.badTokens[s.badAuth] : `Bearer ${f.tokens[s.role]}`);
  // Method.
  let method: string = op.method;
  if (reason === 'wrongMethod') {
    const registered = new Set(ops.filter((o) => o.path === op.path).map((o) => o.method));
    const others = (['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const).filter((m) => !registered.has(m));
    method = others[s.altMethod % others.length] ?? 'PUT';
  }
  // Body and content type.
  let body: string | Buffer | undefined;
  let expect: number | undefined;
  if (reason === 'oversized') {
    const size = op.limit + 1024 + (s.id.pick % 4) * 50_000;
    body = s.body.kind === 'json' && s.id.pick % 2 ? JSON.stringify({ unexpected: 'x'.repeat(size) }) : `{"pitch":"${'x'.repeat(size)}"`;
    headers['content-type'] = 'application/json';
    expect = 413;
  } else if (reason === 'invalidBody') {
    // Always a JSON content type: a body the parser skips would be read as {}.
    // A route whose whole body is one free-text field (an API key's name) would take a generated `{ name }`: not JSON there.
    const oneField = ONE_FIELD_BODIES.has(`${op.method} ${op.path}`);
    body = bodyText(s.body.kind === 'none' || oneField ? { kind: 'invalidJson', pick: s.id.pick % INVALID_JSON.length } : s.body);
    if (s.brokenEncoding !== null) Object.assign(headers, BROKEN_ENCODINGS[s.brokenEncoding]!);
    else headers['content-type'] = JSON_CONTENT_TYPES[s.contentType % JSON_CONTENT_TYPES.length]!;
    expect = 400;
  } else {
    body = method === 'GET' || method === 'DELETE' ? (s.contentType % 5 === 0 ? bodyText(s.body) : undefined) : bodyText(s.body);
    if (body !== undefined) {
      if (s.brokenEncoding !== null) Object.assign(headers, BROKEN_ENCODINGS[s.brokenEncoding]!);
      else {
        const all = [...JSON_CONTENT_TYPES, ...WRONG_CONTENT_TYPES];
        const ct = all[s.contentType % all.length]!;
        if (ct) headers['content-type'] = ct;
      }
    }
    expect = { unauthenticated: 401, badId: 400, unknownId: 404, badQuery: 400, wrongMethod: 404 }[reason as 'unauthenticated'];
  }
  // fetch cannot send a body with GET: an oversized one goes as POST (the parser refuses it before any route), others are dropped.
  if (body !== undefined && method === 'GET') {
    if (reason === 'oversized') method = 'POST';
    else body = undefined;
  }
  // The limits apply to bodies the parsers read: a JSON content type, no content encoding (else 415 / skipped come first).
  const parsed =
    (op.path.endsWith('/webhooks') && !headers['content-encoding']) ||
    (JSON_CONTENT_TYPES.includes(headers['content-type'] ?? '') && !headers['content-encoding']);
  if (typeof body === 'string' && Buffer.byteLength(body) > op.limit && reason !== 'oversized' && parsed) expect = 413;
  // The webhook routes read their raw body themselves, after routing: a path id that is not even
  // valid percent-encoding is refused (400) before the body's size is looked at.
  if (op.path.endsWith('/webhooks') && expect === 413 && !decodes(path)) expect = 400;
  const url = `${path}${qs ? `?${qs}` : ''}`;
  return {
    method,
    path: url,
    headers,
    body,
    reason,
    expect,
    describe: `${method} ${url.length > 160 ? `${url.slice(0, 160)}…` : url} [${reason}; auth ${unauth ? s.badAuth : s.role}; body ${s.body.kind}${body ? ` ${Buffer.byteLength(body)}B` : ''}; ct ${headers['content-type'] ?? '-'}]`,
  };
}

const headerSummary = (headers: Record<string, string>) =>
  JSON.stringify(
    Object.fromEntries(
      Object.entries(headers).map(([k, v]) => [
        k,
        k === 'authorization' ? `${v.slice(0, 12)}…` : v.length > 60 ? `${v.slice(0, 60)}… (${v.length} chars)` : v,
      ]),
    ),
  );

async function send(h: DrillStack, r: Built): Promise<{ status: number; body: unknown; error?: string }> {
  try {
    const res = await fetch(`${h.baseUrl}${r.path}`, {
      method: r.method,
      headers: r.headers,
      body: r.body,
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // kept as text
    }
    return { status: res.status, body };
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return { status: 0, body: undefined, error: `${(err as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ''}` };
  }
}

/** The operations of the OpenAPI document, plus /codec/decode and /codec/encode. */
function operationsOf(doc: {
  paths: Record<string, Record<string, { security?: unknown; parameters?: { name: string; in: string }[]; requestBody?: unknown }>>;
}): Op[] {
  const ops: Op[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const limit = path === '/api/v1/webhooks/resend' ? 256 * 1024 : path.endsWith('/webhooks') ? 512 * 1024 : 100 * 1024;
      ops.push({
        method: method.toUpperCase() as Method,
        path,
        auth: !!op.security,
        params: (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
        hasBody: !!op.requestBody,
        limit,
      });
    }
  }
  for (const c of ['decode', 'encode'])
    ops.push({ method: 'POST', path: `/codec/${c}`, auth: true, params: [], queryParams: [], hasBody: true, limit: 8 * 1024 * 1024 });
  return ops;
}

function decodes(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

async function settledWorkflowCount(h: DrillStack) {
  let last = -1;
  return eventually(
    async () => {
      const n = await workflowCount(h.temporal);
      const stable = n === last;
      last = n;
      return stable ? n : undefined;
    },
    15_000,
    1000,
  );
}

const drill: Drill = {
  name: 'fuzz',
  timeoutMs: 20 * 60_000,
  async run() {
    const n = Number(process.env.DRILL_FUZZ_N ?? 10_000);
    const seed = Number(process.env.DRILL_FUZZ_SEED ?? Date.now() % 2 ** 31);
    const checked: string[] = [];
    const failures: string[] = [];
    const h = await startDrillStack();
    try {
      // Real resources, so requests also reach handlers with ids that exist (created before the "before" snapshot).
      const m = await createMarketplace(h.db);
      const otherCandidate = await createMarketplace(h.db).then((x) => x.candidateId);
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const ok = async (p: Promise<{ status: number; text: string; body: any }>, what: string) => {
        const res = await p;
        if (res.status >= 300) throw new Error(`fixture ${what}: ${res.status} ${res.text}`);
        return res.body;
      };
      await ok(h.request('POST', `/api/v1/candidates/${m.candidateId}/source`, { actor: m.actors.recruiter, body: {} }), 'claim');
      const proposal = await ok(
        h.request('POST', '/api/v1/proposals', {
          actor: m.actors.recruiter,
          body: { candidateId: m.candidateId, jobId: m.jobId, pitch: 'Fuzz fixture' },
        }),
        'proposal',
      );
      const rule = await ok(
        h.request('POST', '/api/v1/automation/rules', {
          actor: m.actors.companyAdmin,
          body: {
            name: 'Fuzz fixture',
            trigger: 'proposal.accepted',
            actions: [{ type: 'create_task', title: 'Call' }],
            requiresApproval: false,
            enabled: false,
          },
        }),
        'rule',
      );
      const decision = await ok(
        h.request('POST', '/api/v1/decisions', {
          actor: m.actors.companyAdmin,
          body: {
            entityType: 'job',
            entityId: m.jobId,
            decisionType: 'fit',
            outcome: 'advance',
            confidence: 0.7,
            reasoning: 'fixture',
            modelVersion: 'fuzz-1',
          },
        }),
        'decision',
      );
      const tokens = Object.fromEntries(await Promise.all(ROLES.map(async (r) => [r, await h.token(m.actors[r])]))) as Record<
        RoleName,
        string
      >;
      const badTokens: Record<BadAuth, string | null> = {
        none: null,
        garbage: 'Bearer not.a.jwt',
        forged: `Bearer ${await forgedToken(m.actors.platformAdmin)}`,
        expired: `Bearer ${await expiredToken(m.actors.platformAdmin)}`,
        unsigned: `Bearer ${unsignedToken(m.actors.platformAdmin.userId!)}`,
        emptyBearer: 'Bearer ',
        basic: `Basic ${Buffer.from('admin:admin').toString('base64')}`,
        lowercaseBearer: `bearer ${tokens.platformAdmin}`,
      };
      const fixture: Fixture = {
        m,
        tokens,
        badTokens,
        real: {
          candidateId: m.candidateId,
          jobId: m.jobId,
          proposalId: proposal.id,
          ruleId: rule.id,
          decisionId: decision.id,
          otherCandidateId: otherCandidate,
        },
      };
      const doc = await h.request('GET', '/api/v1/openapi.json');
      const ops = operationsOf(doc.body);
      const wrongRole = wrongRoleCases(fixture);

      // Before: let the fixtures' workflows settle, then snapshot every table and the workflow count.
      await new Promise((r) => setTimeout(r, 1500));
      const tablesBefore = await snapshotTables(h.db);
      const workflowsBefore = await settledWorkflowCount(h);

      const samples = fc.sample(sampleArb(ops, wrongRole.length), { numRuns: n, seed });
      const requests = samples.map((s) => build(s, ops, fixture, wrongRole));
      const byClass: Record<string, number> = {};
      const byReason: Record<string, Record<string, number>> = {};
      const unexpected: Record<string, number> = {};
      const wrongRoleMismatch = new Set<string>();
      let serverErrors = 0;
      let accepted = 0;
      let badShape = 0;
      let notLimited = 0;
      let transport = 0;
      const started = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < requests.length) {
            const r = requests[next++]!;
            const res = await send(h, r);
            const cls = res.status === 0 ? 'no response' : `${Math.floor(res.status / 100)}xx`;
            byClass[cls] = (byClass[cls] ?? 0) + 1;
            (byReason[r.reason] ??= {})[String(res.status)] = ((byReason[r.reason] ??= {})[String(res.status)] ?? 0) + 1;
            if (res.status === 0) {
              // A refused oversized upload may be cut off by the server before the client finishes sending it.
              if (r.expect === 413) continue;
              transport++;
              if (transport <= 20) failures.push(`no response (${res.error}) to ${r.describe}`);
              continue;
            }
            if (res.status >= 500) {
              serverErrors++;
              if (serverErrors <= 30)
                failures.push(
                  `${res.status} ${JSON.stringify(res.body).slice(0, 200)} for ${r.describe} headers ${headerSummary(r.headers)}`,
                );
            } else if (res.status < 400) {
              accepted++;
              if (accepted <= 30) failures.push(`accepted (${res.status}) a request that must be refused: ${r.describe}`);
            } else if (!hasErrorShape(res.body)) {
              badShape++;
              if (badShape <= 20)
                failures.push(
                  `${res.status} without the {error:{code,message}} shape (${JSON.stringify(res.body)?.slice(0, 120)}) for ${r.describe}`,
                );
            }
            if (r.expect === 413 && res.status !== 413) {
              notLimited++;
              if (notLimited <= 20)
                failures.push(
                  `a body over the ${r.reason === 'oversized' ? 'size limit' : 'limit'} answered ${res.status}, not 413: ${r.describe}`,
                );
            }
            if (r.expect !== undefined && res.status !== r.expect && res.status >= 400 && res.status < 500) {
              const key = `${r.reason}: expected ${r.expect}, got ${res.status}`;
              unexpected[key] = (unexpected[key] ?? 0) + 1;
              // A valid body from a role the route refuses must meet the role check: 403.
              if (r.reason === 'wrongRole')
                wrongRoleMismatch.add(`${r.describe} → ${res.status} ${JSON.stringify(res.body).slice(0, 160)}`);
            }
          }
        }),
      );
      const fuzzSeconds = (performance.now() - started) / 1000;
      for (const w of [...wrongRoleMismatch].slice(0, 20)) failures.push(`wrong role with a valid body not answered 403: ${w}`);

      const textStarted = performance.now();
      const text = await runTextAttacks(
        h,
        {
          m,
          otherCandidateId: otherCandidate,
          candidateId: m.candidateId,
          jobId: m.jobId,
          proposalId: proposal.id,
          ruleId: rule.id,
          decisionId: decision.id,
        },
        ops,
      );
      const textSeconds = (performance.now() - textStarted) / 1000;
      failures.push(...text.failures.slice(0, 40));

      // After: the same rows, the same content, the same number of workflows.
      await new Promise((r) => setTimeout(r, 1500));
      const tablesAfter = await snapshotTables(h.db);
      const workflowsAfter = await settledWorkflowCount(h);
      const changed = diffTables(tablesBefore, tablesAfter);
      for (const c of changed)
        failures.push(`table ${c.table} changed: ${c.rowsBefore} → ${c.rowsAfter} rows${c.contentChanged ? ' (content differs)' : ''}`);
      if (workflowsAfter !== workflowsBefore) failures.push(`workflows in Temporal: ${workflowsBefore} before, ${workflowsAfter} after`);
      // Bad data that got past the edge would show here: an activity retrying it, a caller's update never answered.
      const stuck = await stuckWorkflows(h.temporal);
      for (const s of stuck.slice(0, 20)) failures.push(`workflow ${s.workflowId} stuck: ${s.problem}`);
      const written = changed.reduce((sum, c) => sum + Math.max(1, Math.abs(c.rowsAfter - c.rowsBefore)), 0);
      const started2 = Math.max(0, (workflowsAfter ?? 0) - (workflowsBefore ?? 0));

      const reasons = Object.entries(byReason)
        .map(([k, v]) => `${k} ${Object.values(v).reduce((a, b) => a + b, 0)}`)
        .join(', ');
      checked.push(
        `${requests.length} generated requests (fast-check seed ${seed}) over ${ops.length} operations (${ops.filter((o) => o.auth).length} with bearer auth, 2 webhooks, 2 codec) in ${fuzzSeconds.toFixed(1)}s, 8 concurrent`,
      );
      checked.push(`reasons each request must be refused: ${reasons}`);
      checked.push(
        `status classes: ${Object.entries(byClass)
          .sort()
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
      );
      checked.push(
        `responses ≥ 500: ${serverErrors} (must be 0); accepted (2xx/3xx): ${accepted} (must be 0); transport failures: ${transport}`,
      );
      checked.push(`4xx responses without the product §4 {error:{code,message}} shape: ${badShape}`);
      checked.push(
        `bodies over the parser limits (100 kB API, 256 kB Resend webhook, 512 kB ATS webhooks) not answered 413: ${notLimited} of ${requests.filter((r) => r.expect === 413).length}`,
      );
      checked.push(
        `${text.sent} text-content attacks (hostile characters, 1 MB strings, look-alike spellings) in ${textSeconds.toFixed(1)}s: ${text.refused} refused with a 4xx, ${text.failures.length} failure(s)`,
      );
      checked.push(`running workflows with a retrying or failed activity or an unanswered update: ${stuck.length}`);
      checked.push(
        `${tablesBefore.size} tables (information_schema), row counts and content hashes before/after: ${changed.length} changed`,
      );
      checked.push(`workflows in Temporal before/after: ${workflowsBefore} / ${workflowsAfter}`);
      return {
        checked,
        // What a refused request left behind: rows written or changed, workflows started.
        lost: written + started2 + stuck.length,
        failures,
        details: {
          seed,
          n: requests.length,
          byClass,
          byReason,
          unexpectedStatus: unexpected,
          serverErrors,
          accepted,
          badShape,
          notLimited,
          transport,
          tablesChanged: changed,
          workflowsBefore,
          workflowsAfter,
          textAttacks: { sent: text.sent, refused: text.refused, failures: text.failures.length },
          stuckWorkflows: stuck,
          operations: ops.map((o) => `${o.method} ${o.path}`),
        },
      };
    } finally {
      await h.stop();
    }
  },
};

export default drill;
