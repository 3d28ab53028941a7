/**
 * Text-content attacks for the fuzz drill: characters Postgres or the product cannot store or show,
 * 1 MB strings and unicode normalisation variants, put into every string (and every object key) of
 * otherwise valid requests to every route that takes text, and into every operation's path, query
 * and body. Every one must be refused with a 4xx; those with hostile characters with a 400 whose
 * details name the field (the edge check in api/routing.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Marketplace } from '../../testkit/harness/factories.js';
import { hasErrorShape, type DrillStack } from './harness.js';

export const HOSTILE_TEXT: Record<string, string> = {
  nul: 'fuzz\u0000text',
  loneHighSurrogate: 'fuzz\ud800text',
  loneLowSurrogate: 'fuzz\udffftext',
  reversedSurrogates: 'fuzz\udc00\ud800text',
  bell: 'fuzz\u0007text',
  escape: 'fuzz\u001b[31mtext',
  delete: 'fuzz\u007ftext',
  c1: 'fuzz\u0085text',
  rtlOverride: 'fuzz\u202etxet',
  ltrEmbedding: 'fuzz\u202atext',
  firstStrongIsolate: 'fuzz\u2068text',
  popIsolate: 'fuzz\u2069text',
};

/**
 * Spellings that look like a value the API accepts but are not it: a decomposed or compatibility
 * form, a combining mark, a full-width letter. Used where the value must match exactly (codes,
 * enums, ids): NFC normalisation must not turn them into the accepted value.
 */
const LOOKALIKES = (value: string) => [
  `${value}\u0301`,
  value.replace(/[A-Za-z]/, (c) => String.fromCodePoint(c.codePointAt(0)! + 0xfee0)),
  `\u200b${value}`,
];

const MB = 'x'.repeat(1 << 20);

export interface TextCase {
  method: 'POST' | 'PATCH' | 'PUT';
  path: string;
  actor: keyof Marketplace['actors'];
  body: Record<string, unknown>;
  /** Fields that must match exactly (enums, codes): also attacked with look-alike spellings. */
  exact?: string[];
}

export interface TextFixture {
  m: Marketplace;
  candidateId: string;
  otherCandidateId: string;
  jobId: string;
  proposalId: string;
  ruleId: string;
  decisionId: number;
}

/** A valid request to each route that stores text, from a role allowed to make it. */
export function textCases(f: TextFixture): TextCase[] {
  const id = randomUUID();
  return [
    {
      method: 'POST',
      path: '/api/v1/proposals',
      actor: 'recruiter',
      body: { candidateId: f.otherCandidateId, jobId: f.jobId, pitch: 'Ten years of payments.' },
    },
    { method: 'POST', path: `/api/v1/proposals/${f.proposalId}/decline`, actor: 'companyAdmin', body: { reason: 'Role filled' } },
    { method: 'POST', path: `/api/v1/proposals/${f.proposalId}/withdraw`, actor: 'recruiter', body: { reason: 'Candidate withdrew' } },
    {
      method: 'POST',
      path: `/api/v1/candidates/${f.candidateId}/outreach`,
      actor: 'recruiter',
      body: { subject: 'A staff role', body: 'Hello,\nwould you talk?' },
    },
    { method: 'POST', path: `/api/v1/candidates/${f.candidateId}/source/release`, actor: 'recruiter', body: { reason: 'Not a fit' } },
    {
      method: 'POST',
      path: `/api/v1/candidates/${f.candidateId}/source/extend`,
      actor: 'platformAdmin',
      body: { days: 3, reason: 'Dispute pending' },
    },
    {
      method: 'POST',
      path: '/api/v1/automation/rules',
      actor: 'companyAdmin',
      exact: ['trigger', 'type', 'op'],
      body: {
        name: 'Screen accepted',
        description: 'Screens every accepted candidate',
        trigger: 'proposal.accepted',
        conditions: {
          all: [{ field: 'stageTo', op: 'eq', value: 'interview' }, { not: { field: 'source', op: 'in', value: ['ats', 'automation'] } }],
        },
        actions: [{ type: 'create_task', title: 'Call the candidate' }],
        requiresApproval: false,
        enabled: false,
      },
    },
    { method: 'PATCH', path: `/api/v1/automation/rules/${f.ruleId}`, actor: 'companyAdmin', body: { name: 'Renamed rule' } },
    { method: 'POST', path: `/api/v1/approvals/${id}/approve`, actor: 'companyAdmin', body: { comment: 'Go ahead' } },
    {
      method: 'POST',
      path: '/api/v1/decisions',
      actor: 'companyAdmin',
      exact: ['entityType'],
      body: {
        entityType: 'job',
        entityId: f.jobId,
        decisionType: 'fit',
        outcome: 'advance',
        confidence: 0.7,
        reasoning: 'Strong match',
        modelVersion: 'fuzz-1',
      },
    },
    {
      method: 'POST',
      path: `/api/v1/decisions/${f.decisionId}/override`,
      actor: 'companyAdmin',
      body: { outcome: 'reject', reason: 'Reference check failed' },
    },
    {
      method: 'POST',
      path: '/api/v1/integrations',
      actor: 'companyAdmin',
      exact: ['platform'],
      body: { platform: 'lever', name: 'Lever', credentials: { apiKey: 'lever-key' } },
    },
    { method: 'PATCH', path: `/api/v1/integrations/${id}`, actor: 'companyAdmin', body: { credentials: { apiKey: 'new-key' } } },
    {
      method: 'POST',
      path: '/api/v1/placements',
      actor: 'companyAdmin',
      exact: ['currency', 'role'],
      body: {
        jobId: f.jobId,
        candidateId: f.candidateId,
        feeCents: 1_000_000,
        currency: 'USD',
        startDate: '2030-01-02',
        collaborators: [{ recruiterId: f.m.recruiterId, role: 'sourcer', splitBps: 10_000 }],
      },
    },
    { method: 'POST', path: `/api/v1/placements/${id}/report-failure`, actor: 'companyAdmin', body: { reason: 'Left in week two' } },
    {
      method: 'POST',
      path: `/api/v1/payouts/${id}/splits/${randomUUID()}/change-account`,
      actor: 'platformAdmin',
      body: { stripeAccountId: 'acct_1Fuzz', reason: 'New account' },
    },
  ];
}

type Path = (string | number)[];

/** Every string leaf of `value` and every object key, with its path. */
function textSpots(value: unknown, path: Path = []): { path: Path; key: boolean }[] {
  if (typeof value === 'string') return [{ path, key: false }];
  if (Array.isArray(value)) return value.flatMap((v, i) => textSpots(v, [...path, i]));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => [{ path: [...path, k], key: true }, ...textSpots(v, [...path, k])]);
  }
  return [];
}

/** A copy of `body` with the string at `path` (or the key there, renamed) replaced by `text`. */
function replaced(body: unknown, path: Path, text: string, key: boolean): { body: unknown; at: Path } {
  const copy = structuredClone(body) as Record<string | number, unknown>;
  let parent = copy;
  for (const p of path.slice(0, -1)) parent = parent[p] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (!key) {
    parent[last] = text;
    return { body: copy, at: path };
  }
  const renamed = `${String(last)}${text}`;
  const entries = Object.entries(parent).map(([k, v]) => [k === last ? renamed : k, v]);
  for (const k of Object.keys(parent)) delete parent[k];
  Object.assign(parent, Object.fromEntries(entries));
  return { body: copy, at: [...path.slice(0, -1), renamed] };
}

interface Attack {
  method: string;
  path: string;
  actor: keyof Marketplace['actors'];
  body?: string;
  /** The field a 400 must name ({in, path}), when the attack is a hostile character. */
  names?: { in: string; path: Path };
  /** 413 for a body over the parser's limit. */
  status?: number;
  describe: string;
}

/** Every attack: each hostile text and a 1 MB string in each text spot of each case, look-alikes in exact fields, and hostile path/query/body on every operation. */
export function textAttacks(
  f: TextFixture,
  operations: { method: string; path: string; params: string[]; queryParams: string[]; hasBody: boolean }[],
): Attack[] {
  const attacks: Attack[] = [];
  for (const c of textCases(f)) {
    for (const spot of textSpots(c.body)) {
      for (const [name, text] of Object.entries(HOSTILE_TEXT)) {
        const { body, at } = replaced(c.body, spot.path, text, spot.key);
        attacks.push({
          method: c.method,
          path: c.path,
          actor: c.actor,
          body: JSON.stringify(body),
          names: { in: 'body', path: at },
          describe: `${c.method} ${c.path} ${name} in ${spot.key ? 'key' : 'value'} ${at.join('.')}`,
        });
      }
      if (!spot.key) {
        attacks.push({
          method: c.method,
          path: c.path,
          actor: c.actor,
          body: JSON.stringify(replaced(c.body, spot.path, MB, false).body),
          status: 413,
          describe: `${c.method} ${c.path} 1 MB in ${spot.path.join('.')}`,
        });
        const field = spot.path.at(-1);
        if (typeof field === 'string' && c.exact?.includes(field)) {
          const original = spot.path.reduce<unknown>((v, p) => (v as Record<string | number, unknown>)[p], c.body) as string;
          for (const variant of LOOKALIKES(original)) {
            attacks.push({
              method: c.method,
              path: c.path,
              actor: c.actor,
              body: JSON.stringify(replaced(c.body, spot.path, variant, false).body),
              describe: `${c.method} ${c.path} look-alike ${JSON.stringify(variant)} in ${spot.path.join('.')}`,
            });
          }
        }
      }
    }
  }
  for (const op of operations) {
    if (!op.path.startsWith('/api/v1/') || op.path.includes('/webhooks')) continue;
    const withIds = (value: (param: string) => string) => op.params.reduce((p, param) => p.replace(`{${param}}`, value(param)), op.path);
    const plain = withIds(() => randomUUID());
    for (const [name, text] of Object.entries(HOSTILE_TEXT)) {
      // A lone surrogate has no UTF-8 form, so a URL cannot carry one: its would-be bytes are malformed (below).
      if (/[\ud800-\udfff]/.test(text)) continue;
      const encoded = encodeURIComponent(text);
      if (op.params.length) {
        attacks.push({
          method: op.method,
          path: withIds(() => encoded),
          actor: 'platformAdmin',
          names: { in: 'params', path: [op.params[0]!] },
          describe: `${op.method} ${op.path} ${name} in the path`,
        });
      }
      attacks.push({
        method: op.method,
        path: `${plain}?cursor=${encoded}`,
        actor: 'platformAdmin',
        names: { in: 'query', path: ['cursor'] },
        describe: `${op.method} ${op.path} ${name} in the query`,
      });
      if (op.hasBody) {
        attacks.push({
          method: op.method,
          path: plain,
          actor: 'platformAdmin',
          body: JSON.stringify({ [`key${text}`]: text }),
          describe: `${op.method} ${op.path} ${name} in a body key and value`,
        });
      }
    }
    if (op.params.length)
      attacks.push({
        method: op.method,
        path: withIds(() => '%ED%A0%80'),
        actor: 'platformAdmin',
        describe: `${op.method} ${op.path} surrogate bytes in the path`,
      });
    // Undecodable, the query parser keeps it as the literal text "%ED%A0%80": refused only where a cursor is read.
    if (op.queryParams.includes('cursor'))
      attacks.push({
        method: op.method,
        path: `${plain}?cursor=%ED%A0%80`,
        actor: 'platformAdmin',
        describe: `${op.method} ${op.path} surrogate bytes in the query`,
      });
    attacks.push({
      method: op.method,
      path: `${plain}?cursor=${MB}`,
      actor: 'platformAdmin',
      describe: `${op.method} ${op.path} 1 MB query`,
    });
  }
  return attacks;
}

export interface TextAttackResult {
  sent: number;
  refused: number;
  failures: string[];
}

/** Sends every attack (8 at a time) and checks each answer. */
export async function runTextAttacks(
  h: DrillStack,
  f: TextFixture,
  operations: Parameters<typeof textAttacks>[1],
): Promise<TextAttackResult> {
  const attacks = textAttacks(f, operations);
  const tokens = new Map<string, string>();
  const failures: string[] = [];
  let refused = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < attacks.length) {
        const a = attacks[next++]!;
        const token = tokens.get(a.actor) ?? (await h.token(f.m.actors[a.actor]));
        tokens.set(a.actor, token);
        let status = 0;
        let body: unknown;
        try {
          const res = await fetch(`${h.baseUrl}${a.path}`, {
            method: a.method,
            body: a.method === 'GET' ? undefined : a.body,
            headers: { authorization: `Bearer ${token}`, ...(a.body !== undefined && { 'content-type': 'application/json' }) },
            signal: AbortSignal.timeout(60_000),
          });
          status = res.status;
          const text = await res.text();
          try {
            body = JSON.parse(text);
          } catch {
            body = text;
          }
        } catch (err) {
          // A server may cut off an upload it refuses (1 MB) before the client has sent it all.
          if (a.status === 413 || a.path.length > 1 << 19) {
            refused++;
            continue;
          }
          failures.push(`no response (${(err as Error).message}) to ${a.describe}`);
          continue;
        }
        if (status < 400 || status >= 500) {
          failures.push(`${status} ${JSON.stringify(body).slice(0, 200)} for ${a.describe}`);
          continue;
        }
        refused++;
        if (a.status && status !== a.status) failures.push(`${status}, not ${a.status}, for ${a.describe}`);
        // 431 (headers too large) is Node's own answer, without a body of ours.
        if (status !== 431 && !hasErrorShape(body)) failures.push(`${status} without the product §4 error shape for ${a.describe}`);
        if (a.names && status === 400) {
          const details = (body as { error?: { details?: { code?: string; in?: string; path?: Path }[] } }).error?.details ?? [];
          const named = details.some(
            (d) => d.code === 'invalid_text' && d.in === a.names!.in && JSON.stringify(d.path) === JSON.stringify(a.names!.path),
          );
          if (!named)
            failures.push(
              `400 not naming ${a.names.in} ${a.names.path.join('.')} as invalid text for ${a.describe}: ${JSON.stringify(body).slice(0, 200)}`,
            );
        } else if (a.names && a.body !== undefined && a.names.in === 'body') {
          // A hostile character in an otherwise valid body from an allowed role: only the edge check can refuse it.
          failures.push(`${status} instead of 400 invalid_text for ${a.describe}`);
        }
      }
    }),
  );
  return { sent: attacks.length, refused, failures };
}
