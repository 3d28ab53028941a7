import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createMarketplace, createPlacement } from '../../testkit/harness/factories.js';
import { startApiHarness, type ApiHarness } from '../../testkit/harness/api-harness.js';
import type { Actor } from '../../domain/actors.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => {
  await h?.stop();
});

const tag = () => randomUUID().slice(0, 8);
/** Seven random digits: phone numbers other test files (sharing the database) cannot have added. */
const digits = () => String(Math.floor(Math.random() * 9_000_000) + 1_000_000);
const add = (actor: Actor, body: Record<string, unknown>) => h.request('POST', '/api/v1/candidates', { actor, body });
const upload = (actor: Actor, id: string, bytes: Buffer, type: string, filename = 'cv.pdf') =>
  h.request('POST', `/api/v1/candidates/${id}/cv?filename=${encodeURIComponent(filename)}`, {
    actor,
    rawBody: bytes,
    headers: { 'content-type': type },
  });
const search = (actor: Actor, q: string, extra = '') =>
  h.request('GET', `/api/v1/candidates/search?q=${encodeURIComponent(q)}${extra}`, { actor });

const PDF = Buffer.from('%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n');
/** A ZIP with just a local header and a central-directory entry naming `name`: all the sniffing reads. */
function zipNaming(name: string): Buffer {
  const n = Buffer.from(name);
  const local = Buffer.alloc(30);
  local.write('PK\x03\x04', 0, 'latin1');
  local.writeUInt16LE(n.length, 26);
  const central = Buffer.alloc(46);
  central.write('PK\x01\x02', 0, 'latin1');
  central.writeUInt16LE(n.length, 28);
  return Buffer.concat([local, n, central, n]);
}
const DOCX_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

describe('adding and editing candidates', () => {
  it('lets recruiters add and edit their own; other roles, other recruiters and ATS records are refused', async () => {
    const m = await createMarketplace(h.db);
    const t = tag();
    const d = digits();
    const created = await add(m.actors.recruiter, {
      fullName: `Ada ${t}`,
      email: `ada-${t}@example.com`,
      phone: `+44 20 ${d.slice(0, 3)} ${d.slice(3)}`,
      location: 'London',
      headline: 'Analyst',
      linkedinUrl: 'https://www.linkedin.com/in/ada',
      notes: 'Met at a meetup',
      skills: ['Math', 'math', ' Engines '],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      fullName: `Ada ${t}`,
      skills: ['Math', 'Engines'],
      addedByYou: true,
      fromAts: false,
      notes: 'Met at a meetup',
      cv: null,
    });
    const id = created.body.id as string;
    expect(await h.db('candidates').where({ id }).first('email_normalized', 'phone_normalized', 'created_by_recruiter_id')).toEqual({
      email_normalized: `ada-${t}@example.com`,
      phone_normalized: `+4420${d}`,
      created_by_recruiter_id: m.recruiterId,
    });

    for (const actor of [m.actors.companyAdmin, m.actors.hiringManager, m.actors.platformAdmin])
      expect((await add(actor, { fullName: 'X' })).status).toBe(403);
    // The other recruiter sees the candidate (the candidates list's rule) but not the adder's notes, and may not edit.
    const seen = await h.request('GET', `/api/v1/candidates/${id}/profile`, { actor: m.actors.otherRecruiter });
    expect(seen.body).toMatchObject({ id, addedByYou: false, notes: null });
    expect(
      (await h.request('PATCH', `/api/v1/candidates/${id}`, { actor: m.actors.otherRecruiter, body: { headline: 'Mine' } })).status,
    ).toBe(403);
    expect(
      (await h.request('PATCH', `/api/v1/candidates/${id}`, { actor: m.actors.companyAdmin, body: { headline: 'Mine' } })).status,
    ).toBe(403);
    const edited = await h.request('PATCH', `/api/v1/candidates/${id}`, {
      actor: m.actors.recruiter,
      body: { headline: 'Engineer', notes: '' },
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ headline: 'Engineer', notes: null });
    expect(
      (await h.request('PATCH', `/api/v1/candidates/${randomUUID()}`, { actor: m.actors.recruiter, body: { headline: 'x' } })).status,
    ).toBe(404);

    // A candidate nobody added here (the factory's, as an ATS or seed would write it) is not a recruiter's to edit.
    expect(
      (await h.request('PATCH', `/api/v1/candidates/${m.candidateId}`, { actor: m.actors.recruiter, body: { headline: 'x' } })).status,
    ).toBe(403);
  });

  it('refuses bad input with 400 and writes nothing', async () => {
    const m = await createMarketplace(h.db);
    // Counted per recruiter: other test files add candidates concurrently.
    const added = async () => (await h.db('candidates').where({ created_by_recruiter_id: m.recruiterId }).count({ n: '*' }))[0]!.n;
    const before = await added();
    const bad = [
      {},
      { fullName: '' },
      { fullName: 'x'.repeat(201) },
      { fullName: 'A', email: 'not-an-email' },
      { fullName: 'A', phone: '12' },
      { fullName: 'A', notes: 'n'.repeat(10_001) },
      { fullName: 'A', skills: Array.from({ length: 51 }, (_, i) => `s${i}`) },
      { fullName: 'A', skills: ['x'.repeat(51)] },
      { fullName: 'A', linkedinUrl: 'javascript:alert(1)' },
      { fullName: 'A', extra: 1 },
    ];
    for (const body of bad) expect((await add(m.actors.recruiter, body)).status, JSON.stringify(body).slice(0, 80)).toBe(400);
    expect(await added()).toBe(before);
  });
});

describe('duplicate detection', () => {
  it('answers a second add with the same e-mail or phone (any formatting) with the existing record', async () => {
    const m = await createMarketplace(h.db);
    const t = tag();
    const d = digits();
    const first = await add(m.actors.recruiter, {
      fullName: `Grace ${t}`,
      email: `Grace.${t}@Example.com`,
      phone: `+1 (415) ${d.slice(0, 3)}-${d.slice(3)}`,
    });
    expect(first.status).toBe(201);
    const byEmail = await add(m.actors.otherRecruiter, { fullName: 'Someone', email: `  grace.${t}@EXAMPLE.COM ` });
    expect(byEmail.status).toBe(409);
    expect(byEmail.body.error).toMatchObject({
      code: 'duplicate_candidate',
      details: { candidateId: first.body.id, fullName: `Grace ${t}`, matchedOn: ['email'] },
    });
    const byPhone = await add(m.actors.otherRecruiter, { fullName: 'Someone', phone: `001 415 ${d.slice(0, 3)} ${d.slice(3)}` });
    expect(byPhone.body.error).toMatchObject({
      code: 'duplicate_candidate',
      details: { candidateId: first.body.id, matchedOn: ['phone'] },
    });
    // Editing another record onto the same key is a duplicate too.
    const other = await add(m.actors.recruiter, { fullName: `Other ${t}` });
    const clash = await h.request('PATCH', `/api/v1/candidates/${other.body.id}`, {
      actor: m.actors.recruiter,
      body: { email: `GRACE.${t}@example.com` },
    });
    expect(clash.status).toBe(409);
    expect(await h.db('candidates').where({ email_normalized: `grace.${t}@example.com` })).toHaveLength(1);
  });

  it('lets exactly one of concurrent adds of one person through; a keyed retry replays the first answer', async () => {
    const m = await createMarketplace(h.db);
    const t = tag();
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        add(i % 2 ? m.actors.recruiter : m.actors.otherRecruiter, { fullName: `Race ${i}`, email: `race-${t}@example.com` }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    expect(await h.db('candidates').where({ email_normalized: `race-${t}@example.com` })).toHaveLength(1);

    const body = { fullName: `Keyed ${t}`, email: `keyed-${t}@example.com` };
    const headers = { 'idempotency-key': `cand-${t}` };
    const first = await h.request('POST', '/api/v1/candidates', { actor: m.actors.recruiter, body, headers });
    const retry = await h.request('POST', '/api/v1/candidates', { actor: m.actors.recruiter, body, headers });
    expect([first.status, retry.status]).toEqual([201, 201]);
    expect(retry.body.id).toBe(first.body.id);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
  });

  it('answers "protected until" without the record when another recruiter\'s window covers the match', async () => {
    const m = await createMarketplace(h.db);
    const t = tag();
    const first = await add(m.actors.recruiter, { fullName: `Linus ${t}`, email: `linus-${t}@example.com` });
    const claimed = await h.request('POST', `/api/v1/candidates/${first.body.id}/source`, { actor: m.actors.recruiter, body: {} });
    expect(claimed.status).toBe(201);
    const again = await add(m.actors.otherRecruiter, { fullName: 'Linus', email: `LINUS-${t}@example.com` });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('candidate_protected');
    expect(again.body.error.details).toEqual({ protectedUntil: claimed.body.protectionEndsAt });
    expect(JSON.stringify(again.body)).not.toContain(first.body.id);
    // The owner themself is offered their record.
    expect((await add(m.actors.recruiter, { fullName: 'Linus', email: `linus-${t}@example.com` })).body.error.code).toBe(
      'duplicate_candidate',
    );
  });
});

describe('CV files', () => {
  it('stores PDF, DOCX and text CVs and serves the latest as an attachment, never inline', async () => {
    const m = await createMarketplace(h.db);
    const { body: c } = await add(m.actors.recruiter, { fullName: `Margaret ${tag()}` });
    const docx = await upload(m.actors.recruiter, c.id, zipNaming('word/document.xml'), DOCX_TYPE, 'cv.docx');
    expect(docx.status).toBe(201);
    expect(docx.body).toMatchObject({ contentType: DOCX_TYPE, fileName: 'cv.docx' });
    expect(
      (await upload(m.actors.recruiter, c.id, Buffer.from('Plain CV — ünïcode\n'), 'text/plain; charset=utf-8', 'cv.txt')).status,
    ).toBe(201);
    const pdf = await upload(m.actors.recruiter, c.id, PDF, 'application/pdf', '../../etc/Lebenslauf "Müller".pdf');
    expect(pdf.status).toBe(201);
    expect(pdf.body).toMatchObject({ fileName: 'Lebenslauf Müller.pdf', sizeBytes: PDF.length, contentType: 'application/pdf' });

    const got = await h.request('GET', `/api/v1/candidates/${c.id}/cv`, { actor: m.actors.recruiter });
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('application/pdf');
    expect(got.headers.get('content-disposition')).toBe(
      `attachment; filename="Lebenslauf M_ller.pdf"; filename*=UTF-8''Lebenslauf%20M%C3%BCller.pdf`,
    );
    expect(got.headers.get('x-content-type-options')).toBe('nosniff');
    expect(got.text).toBe(PDF.toString());
    expect((await h.request('GET', `/api/v1/candidates/${c.id}/profile`, { actor: m.actors.recruiter })).body.cv).toMatchObject({
      id: pdf.body.id,
    });
    expect((await h.request('GET', `/api/v1/candidates/${c.id}/cv`, { actor: m.actors.otherRecruiter })).status).toBe(403);
    expect((await h.request('GET', `/api/v1/candidates/${c.id}/cv`, { actor: m.actors.platformAdmin })).status).toBe(200);
    expect((await h.request('GET', `/api/v1/candidates/${c.id}/cv`, { actor: m.actors.companyAdmin })).status).toBe(403);
  });

  it('refuses an Idempotency-Key on a CV upload (the key could not tell one file from another) and stores nothing', async () => {
    const m = await createMarketplace(h.db);
    const { body: c } = await add(m.actors.recruiter, { fullName: `Keyed ${tag()}` });
    const keyed = await h.request('POST', `/api/v1/candidates/${c.id}/cv?filename=cv.pdf`, {
      actor: m.actors.recruiter,
      rawBody: PDF,
      headers: { 'content-type': 'application/pdf', 'idempotency-key': `cv-${tag()}` },
    });
    expect(keyed.status).toBe(400);
    expect(keyed.body.error.message).toMatch(/JSON requests only/);
    expect(await h.db('candidate_files').where({ candidate_id: c.id }).select('id')).toEqual([]);
  });

  it('refuses files too big, of another type, or not what they claim, and stores none', async () => {
    const m = await createMarketplace(h.db);
    const { body: c } = await add(m.actors.recruiter, { fullName: `Barbara ${tag()}` });
    const tooBig = Buffer.concat([PDF, Buffer.alloc(5 * 1024 * 1024, 0x20)]);
    expect((await upload(m.actors.recruiter, c.id, tooBig, 'application/pdf')).status).toBe(413);
    expect((await upload(m.actors.recruiter, c.id, Buffer.from('GIF89a'), 'image/gif')).status).toBe(415);
    expect((await upload(m.actors.recruiter, c.id, Buffer.from('<html><script>alert(1)</script>'), 'text/html')).status).toBe(415);
    const cases: [Buffer, string][] = [
      [Buffer.from('just text'), 'application/pdf'],
      [PDF, 'text/plain'],
      [zipNaming('xl/workbook.xml'), DOCX_TYPE],
      [Buffer.from('text with a \0 NUL'), 'text/plain'],
      [Buffer.from([0xc3, 0x28, 0x41]), 'text/plain'],
    ];
    for (const [bytes, type] of cases) {
      const r = await upload(m.actors.recruiter, c.id, bytes, type);
      expect(r.status, `${type} ${bytes.subarray(0, 10).toString('hex')}`).toBe(422);
      expect(r.body.error.code).toBe('cv_content_mismatch');
    }
    expect((await upload(m.actors.otherRecruiter, c.id, PDF, 'application/pdf')).status).toBe(403);
    expect((await upload(m.actors.companyAdmin, c.id, PDF, 'application/pdf')).status).toBe(403);
    expect((await upload(m.actors.recruiter, randomUUID(), PDF, 'application/pdf')).status).toBe(404);
    expect(await h.db('candidate_files').where({ candidate_id: c.id })).toHaveLength(0);
    expect((await h.request('GET', `/api/v1/candidates/${c.id}/cv`, { actor: m.actors.recruiter })).status).toBe(404);
  });
});

describe('search', () => {
  it('ranks name and e-mail matches above skills above headline, and pages stably through ties', async () => {
    const m = await createMarketplace(h.db);
    const word = `zq${tag().replace(/-/g, '')}`;
    const byHeadline = await add(m.actors.recruiter, { fullName: 'Headline Match', headline: `Knows ${word}` });
    const bySkill = await add(m.actors.recruiter, { fullName: 'Skill Match', skills: [word] });
    const byName = await add(m.actors.recruiter, { fullName: `Name ${word}` });
    const ranked = await search(m.actors.otherRecruiter, word.toUpperCase());
    expect(ranked.status).toBe(200);
    expect(ranked.body.data.map((d: { id: string }) => d.id)).toEqual([byName.body.id, bySkill.body.id, byHeadline.body.id]);
    // A prefix finds them too, and e-mail words do.
    expect((await search(m.actors.platformAdmin, word.slice(0, -2))).body.data).toHaveLength(3);

    const tie = `${word}tie`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await add(m.actors.recruiter, { fullName: `Tie ${i}`, skills: [tie], email: `tie${i}.${tie}@example.com` })).body.id);
    const all = (await search(m.actors.recruiter, tie)).body.data.map((d: { id: string }) => d.id);
    expect([...all].sort()).toEqual([...ids].sort());
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const p: { body: { data: { id: string }[]; nextCursor: string | null } } = await search(
        m.actors.recruiter,
        tie,
        `&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      paged.push(...p.body.data.map((d) => d.id));
      cursor = p.body.nextCursor;
    } while (cursor);
    expect(paged).toEqual(all);
    expect((await search(m.actors.recruiter, `${word}@nowhere.org`)).body.data).toHaveLength(0);
    expect((await search(m.actors.recruiter, `tie0.${tie}@example.com`)).body.data.map((d: { id: string }) => d.id)).toEqual([ids[0]]);
  });

  it('is for recruiters and platform admins; bad input is a 400, punctuation only finds nothing', async () => {
    const m = await createMarketplace(h.db);
    expect((await search(m.actors.companyAdmin, 'ada')).status).toBe(403);
    expect((await search(m.actors.hiringManager, 'ada')).status).toBe(403);
    expect((await search(m.actors.recruiter, '')).status).toBe(400);
    expect((await search(m.actors.recruiter, 'ada', '&cursor=bogus')).status).toBe(400);
    const punct = await search(m.actors.recruiter, '&|!:*()');
    expect(punct.status).toBe(200);
    expect(punct.body.data).toEqual([]);
  });
});

describe('export and erasure', () => {
  it('exports everything held about a candidate to platform admins only', async () => {
    const m = await createMarketplace(h.db);
    const t = tag();
    const { body: c } = await add(m.actors.recruiter, { fullName: `Export ${t}`, email: `export-${t}@example.com`, notes: 'private' });
    await upload(m.actors.recruiter, c.id, PDF, 'application/pdf');
    const proposal = await h.request('POST', '/api/v1/proposals', {
      actor: m.actors.recruiter,
      body: { candidateId: c.id, jobId: m.jobId, pitch: 'Strong' },
    });
    expect(proposal.status).toBe(201);
    for (const actor of [m.actors.recruiter, m.actors.companyAdmin])
      expect((await h.request('GET', `/api/v1/candidates/${c.id}/export`, { actor })).status).toBe(403);
    const exp = await h.request('GET', `/api/v1/candidates/${c.id}/export`, { actor: m.actors.platformAdmin });
    expect(exp.status).toBe(200);
    expect(exp.headers.get('content-disposition')).toContain('attachment');
    expect(exp.body.candidate).toMatchObject({ id: c.id, email: `export-${t}@example.com`, notes: 'private' });
    expect(exp.body.files).toHaveLength(1);
    expect(exp.body.files[0]).not.toHaveProperty('content');
    expect(exp.body.proposals.map((p: { id: string }) => p.id)).toEqual([proposal.body.id]);
    expect((await h.request('GET', `/api/v1/candidates/${randomUUID()}/export`, { actor: m.actors.platformAdmin })).status).toBe(404);
  });

  it('anonymises the profile, deletes files, keeps placements and payouts, and is idempotent and audited', async () => {
    const { marketplace: m, placementId } = await createPlacement(h.db, h.stripe, [{ role: 'sourcer', splitBps: 10_000, account: 'none' }]);
    const t = tag();
    const d = digits();
    // The placed candidate, given a hand-added profile with a CV.
    await h
      .db('candidates')
      .where({ id: m.candidateId })
      .update({ email: `erase-${t}@example.com`, phone: `+49 30 ${d}`, phone_normalized: `+4930${d}`, notes: 'n', skills: [`erase${t}`] });
    await h.db('candidates').where({ id: m.candidateId }).update({ created_by_recruiter_id: m.recruiterId });
    expect((await upload(m.actors.recruiter, m.candidateId, PDF, 'application/pdf')).status).toBe(201);
    const payoutId = randomUUID();
    await h.db('payout_schedules').insert({
      id: payoutId,
      placement_id: placementId,
      tranche: 'activation',
      amount_cents: 1000,
      currency: 'USD',
      status: 'paid',
      workflow_id: `payout-${payoutId}`,
      created_at: new Date(),
      updated_at: new Date(),
    });
    const placementBefore = await h.db('placements').where({ id: placementId }).first();
    const payoutBefore = await h.db('payout_schedules').where({ id: payoutId }).first();

    expect((await h.request('POST', `/api/v1/candidates/${m.candidateId}/erase`, { actor: m.actors.recruiter })).status).toBe(403);
    const erased = await h.request('POST', `/api/v1/candidates/${m.candidateId}/erase`, { actor: m.actors.platformAdmin });
    expect(erased.status).toBe(200);
    expect(erased.body).toMatchObject({ candidateId: m.candidateId, alreadyErased: false });

    const row = (await h.db('candidates').where({ id: m.candidateId }).first())!;
    expect(row).toMatchObject({
      full_name: 'Erased candidate',
      email: null,
      email_normalized: null,
      phone: null,
      phone_normalized: null,
      notes: null,
      linkedin_url: null,
      skills: [],
    });
    expect(row.erased_at).toBeInstanceOf(Date);
    expect((await h.db.raw('select search_vector::text as v from candidates where id = ?', [m.candidateId])).rows[0].v).toBe('');
    expect(await h.db('candidate_files').where({ candidate_id: m.candidateId })).toHaveLength(0);
    expect(await h.db('placements').where({ id: placementId }).first()).toEqual(placementBefore);
    expect(await h.db('payout_schedules').where({ id: payoutId }).first()).toEqual(payoutBefore);
    expect(await h.db('placement_collaborators').where({ placement_id: placementId })).toHaveLength(1);

    const again = await h.request('POST', `/api/v1/candidates/${m.candidateId}/erase`, { actor: m.actors.platformAdmin });
    expect(again.body).toMatchObject({ alreadyErased: true, erasedAt: erased.body.erasedAt });
    expect(await h.db('marketplace_events').where({ candidate_id: m.candidateId, type: 'candidate_erased' })).toHaveLength(1);

    // Gone from search and duplicate detection; not editable, not proposable.
    expect((await search(m.actors.recruiter, `erase${t}`)).body.data).toEqual([]);
    expect((await add(m.actors.otherRecruiter, { fullName: 'New', email: `erase-${t}@example.com`, phone: `+49 30 ${d}` })).status).toBe(
      201,
    );
    expect(
      (
        await h.request('PATCH', `/api/v1/candidates/${m.candidateId}`, {
          actor: m.actors.platformAdmin,
          body: { email: `erase-${t}@example.com` },
        })
      ).status,
    ).toBe(409);
    const reproposed = await h.request('POST', '/api/v1/proposals', {
      actor: m.actors.otherRecruiter,
      body: { candidateId: m.candidateId, jobId: m.jobId, pitch: 'Again' },
    });
    expect(reproposed.status).toBe(422);
    expect(reproposed.body.error.code).toBe('candidate_erased');
  });
});
