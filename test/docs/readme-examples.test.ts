import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../db/seeds/demo.js';
import { PROJECT_ROOT } from '../../scripts/lib/tools.js';
import { createCandidate, createMarketplace, type Marketplace } from '../../testkit/harness/factories.js';
import { startApiHarness, type ApiHarness } from '../../testkit/harness/api-harness.js';

// README.md's "Calling the API" examples, run as written against the test API with a real
// personal API key: each curl request, and the answer the `# → …` line under it promises.

interface Example {
  curl: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  data?: string;
  /** The line under the request: `# → <status> <what the answer holds>`. */
  expected: string;
}

/** The README's "Calling the API" shell block, with line continuations joined. */
async function readmeBlock(): Promise<string[]> {
  const readme = await readFile(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Calling the API'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('README.md has no ```sh block under "Calling the API"');
  return block.replace(/\\\n\s*/g, '').split('\n');
}

/** Shell words: '…' literal, "…" and bare words with $VARS expanded. */
function shellWords(line: string, env: Record<string, string>): string[] {
  const words: string[] = [];
  const expand = (s: string) => s.replace(/\$([A-Z_][A-Z0-9_]*)/g, (_, name: string) => env[name] ?? '');
  for (const [, single, double, bare] of line.matchAll(/'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g)) {
    words.push(single ?? expand(double ?? bare ?? ''));
  }
  return words;
}

function parseCurl(line: string, expected: string, env: Record<string, string>): Example {
  const words = shellWords(line, env);
  expect(words[0]).toBe('curl');
  const example: Example = { curl: line, method: 'GET', url: '', headers: {}, expected };
  for (let i = 1; i < words.length; i += 1) {
    const word = words[i]!;
    if (word === '-s') continue;
    else if (word === '-X') example.method = words[++i]!;
    else if (word === '-H') {
      const [name, ...value] = words[++i]!.split(':');
      example.headers[name!.trim()] = value.join(':').trim();
    } else if (word === '-d') example.data = words[++i]!;
    else if (word.startsWith('-')) throw new Error(`the README test does not know curl's ${word} (in: ${line})`);
    else example.url = word;
  }
  if (example.data !== undefined && example.method === 'GET') example.method = 'POST';
  return example;
}

/** The curl examples of the block, each with the `# →` line under it, $SPLITS_API_KEY set to `key`. */
async function readmeExamples(key: string): Promise<{ exported: string[]; examples: Example[] }> {
  const lines = await readmeBlock();
  const exported = lines.filter((l) => l.startsWith('export '));
  const examples: Example[] = [];
  lines.forEach((line, i) => {
    if (!line.startsWith('curl ')) return;
    const expected = lines[i + 1] ?? '';
    expect(expected, `the README says what "${line}" answers, on the line under it`).toMatch(/^# → \d{3} /);
    examples.push(parseCurl(line, expected, { SPLITS_API_KEY: key }));
  });
  return { exported, examples };
}

/**
 * What a `# →` line promises: the status, the fields named (`"candidateName"`), and the values given
 * (`"state": "proposed"`). For a page (`{"data": [...]}`), the fields other than `data` and
 * `nextCursor` are each item's, and the page must not be empty.
 */
function checkAnswer(expected: string, status: number, body: Record<string, unknown>) {
  expect(status, expected).toBe(Number(/^# → (\d{3})/.exec(expected)![1]));
  const values = Object.fromEntries([...expected.matchAll(/"(\w+)": "([^"]*)"/g)].map(([, k, v]) => [k!, v!]));
  const named = [...expected.matchAll(/"(\w+)"(?!:)/g)].map(([, k]) => k!).filter((k) => !Object.values(values).includes(k));
  const pageKeys = ['data', 'nextCursor'];
  const isPage = Array.isArray(body.data);
  const items = isPage ? (body.data as Record<string, unknown>[]) : [body];
  if (isPage) {
    expect(items.length, `${expected}: a page with items`).toBeGreaterThan(0);
    for (const k of named.filter((n) => pageKeys.includes(n))) expect(body, expected).toHaveProperty(k);
  }
  for (const item of items) {
    for (const k of named.filter((n) => !(isPage && pageKeys.includes(n)))) expect(item, expected).toHaveProperty(k);
    expect(item, expected).toMatchObject(values);
  }
}

let h: ApiHarness;
let m: Marketplace;
beforeAll(async () => {
  h = await startApiHarness();
  m = await createMarketplace(h.db);
  // As the demo seed has them (db/seeds/demo.ts): Alice Archer, a recruiter, and Ada Lovelace, a candidate.
  await h.db('recruiters').where({ id: m.recruiterId }).update({ display_name: 'Alice Archer' });
  await h.db('candidates').where({ id: m.candidateId }).update({ full_name: 'Ada Lovelace' });
});
afterAll(async () => {
  await h?.stop();
});

describe("the README's API examples", () => {
  it('use a personal API key (spk_…), never a hand-signed token, and name the demo seed’s Ada and Acme backend job', async () => {
    const { exported, examples } = await readmeExamples('spk_placeholder');
    expect(exported).toEqual([expect.stringMatching(/^export SPLITS_API_KEY=spk_…\s/)]);
    expect(examples.length).toBeGreaterThanOrEqual(2);
    for (const e of examples) {
      expect(e.headers.Authorization, e.curl).toBe('Bearer spk_placeholder');
      expect(e.url, e.curl).toMatch(/^http:\/\/localhost:3000\/api\/v1\//);
    }
    const bodies = examples.flatMap((e) => (e.data ? [JSON.parse(e.data) as Record<string, string>] : []));
    expect(bodies).toContainEqual(expect.objectContaining({ candidateId: DEMO.candidates.ada, jobId: DEMO.jobs.acmeBackend }));
  });

  it('answer as the README says when run in order with a real API key of Alice', async () => {
    // Alice already has an open proposal, so the list the README shows first is not empty.
    const other = await createCandidate(h.db);
    expect(
      (
        await h.request('POST', '/api/v1/proposals', {
          actor: m.actors.recruiter,
          body: { candidateId: other, jobId: m.jobId, pitch: 'Earlier pitch' },
        })
      ).status,
    ).toBe(201);
    const created = await h.request('POST', '/api/v1/me/api-keys', { actor: m.actors.recruiter, body: { name: 'README examples' } });
    expect(created.status).toBe(201);
    const key: string = created.body.key;
    expect(key).toMatch(/^spk_/);

    // The demo seed's ids stand for this test's own rows (the test database has no demo seed).
    const ours: Record<string, string> = { [DEMO.candidates.ada]: m.candidateId, [DEMO.jobs.acmeBackend]: m.jobId };
    const { examples } = await readmeExamples(key);
    for (const e of examples) {
      const url = e.url.replace('http://localhost:3000', h.baseUrl);
      const data = e.data && Object.entries(ours).reduce((d, [demo, id]) => d.replaceAll(demo, id), e.data);
      const res = await fetch(url, { method: e.method, headers: e.headers, body: data });
      const body = (await res.json()) as Record<string, unknown>;
      checkAnswer(e.expected, res.status, body);
    }
    // The proposal the README's POST made is Alice's, for Ada, made with the key.
    const proposal = await h.db('candidate_role_assignments').where({ candidate_id: m.candidateId, job_id: m.jobId }).first();
    expect(proposal).toMatchObject({ recruiter_id: m.recruiterId, pitch: 'Strong fit', state: 'proposed' });
  });
});
