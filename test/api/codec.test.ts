import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporal as proto } from '@temporalio/proto';
import { ENCRYPTED_ENCODING, EncryptionCodec } from '../../lib/payload-codec.js';
import { parseKeyRing } from '../../lib/sealed.js';
import { workflowIds } from '../../domain/temporal.js';
import { connectAccount, createMarketplace, placementBody, type Marketplace } from '../../testkit/harness/factories.js';
import { TEMPORAL_UI, TEST_PAYLOAD_KEYS, eventually, startApiHarness, type ApiHarness } from '../../testkit/harness/api-harness.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => {
  await h?.stop();
});

/** The history exactly as Temporal stores it: no data converter in between. */
async function storedHistory(workflowId: string) {
  const { history } = await h.temporal.workflowService.getWorkflowExecutionHistory({ namespace: 'default', execution: { workflowId } });
  return history!.events ?? [];
}

/**
 * Every payload in a history (inputs, results, signal and update arguments, …), found by
 * shape; search attributes are left out: Temporal indexes them, so they hold no personal data.
 */
function payloadsOf(value: unknown, found: proto.api.common.v1.IPayload[] = []): proto.api.common.v1.IPayload[] {
  if (value && typeof value === 'object') {
    if ('metadata' in value && 'data' in value && (value as { data: unknown }).data instanceof Uint8Array)
      found.push(value as proto.api.common.v1.IPayload);
    // A patched() marker's details (the patch id, written by the SDK's core, not through the
    // data converter) hold no personal data; everything else must be encrypted.
    else if ((value as { markerName?: string }).markerName === 'core_patch') return found;
    else for (const [key, v] of Object.entries(value)) if (key !== 'searchAttributes') payloadsOf(v, found);
  }
  return found;
}

const b64 = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('base64');
const asJson = (p: proto.api.common.v1.IPayload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, b64(v)])),
  data: b64(p.data),
});

async function acceptedProposal(m: Marketplace, pitch: string) {
  const { body } = await h.request('POST', '/api/v1/proposals', {
    actor: m.actors.recruiter,
    body: { candidateId: m.candidateId, jobId: m.jobId, pitch },
  });
  expect((await h.request('POST', `/api/v1/proposals/${body.id}/accept`, { actor: m.actors.companyAdmin, body: {} })).status).toBe(200);
  return body.id as string;
}

describe('payload encryption', () => {
  it("stores no personal data in plaintext in Temporal: every payload of a proposal's history is encrypted", async () => {
    const m = await createMarketplace(h.db);
    const candidate = await h.db('candidates').where({ id: m.candidateId }).first();
    const pitch = `Pitch-${m.candidateId} — led the Postgres migration at a bank`;
    const id = await acceptedProposal(m, pitch);
    const events = await storedHistory(workflowIds.proposal(id));
    const stored = Buffer.from(proto.api.history.v1.History.encode({ events }).finish()).toString('latin1');
    for (const secret of [pitch, candidate!.full_name, candidate!.email, m.emails.companyAdmin]) expect(stored).not.toContain(secret);
    const payloads = payloadsOf(events);
    expect(payloads.length).toBeGreaterThan(3);
    for (const p of payloads) expect(Buffer.from(p.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
  });

  it("stores an activity's failure message and stack trace encrypted too, and the codec reads them back", async () => {
    const m = await createMarketplace(h.db);
    // Resend refuses the company's e-mail for good, quoting the address in its error.
    h.resend.injectFailure({
      method: 'POST',
      path: '/emails',
      status: 422,
      name: 'validation_error',
      message: `Invalid \`to\` field: ${m.emails.companyAdmin}`,
    });
    const { body } = await h.request('POST', '/api/v1/proposals', {
      actor: m.actors.recruiter,
      body: { candidateId: m.candidateId, jobId: m.jobId, pitch: 'Strong fit' },
    });
    const failed = await eventually(
      async () =>
        (await storedHistory(workflowIds.proposal(body.id))).find((e) => e.activityTaskFailedEventAttributes)
          ?.activityTaskFailedEventAttributes,
      30_000, // a loaded machine (the whole suite on 2 cores) may take longer than the default to run and fail the activity
    );
    const stored = Buffer.from(
      proto.api.history.v1.History.encode({ events: await storedHistory(workflowIds.proposal(body.id)) }).finish(),
    ).toString('latin1');
    expect(stored).not.toContain(m.emails.companyAdmin);
    const failure = failed!.failure!;
    expect(failure.message).toBe('Encoded failure');
    expect(failure.stackTrace).toBe('');
    expect(Buffer.from(failure.encodedAttributes!.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
    const [attributes] = await new EncryptionCodec(parseKeyRing(TEST_PAYLOAD_KEYS)).decode([failure.encodedAttributes!]);
    const { message, stack_trace } = JSON.parse(Buffer.from(attributes!.data!).toString()) as { message: string; stack_trace: string };
    expect(message).toContain(m.emails.companyAdmin);
    expect(stack_trace).toMatch(/activities\/email\.ts/);
  });

  it("decrypts a blocked payout's history for a platform admin through the codec server, and for nobody else", async () => {
    const m = await createMarketplace(h.db);
    await Promise.all([connectAccount(h.db, h.stripe, m.recruiterId, false), connectAccount(h.db, h.stripe, m.otherRecruiterId)]);
    const { body: placement } = await h.request('POST', '/api/v1/placements', { actor: m.actors.companyAdmin, body: placementBody(m) });
    await h.request('POST', `/api/v1/placements/${placement.id}/activate`, { actor: m.actors.companyAdmin, body: {} });
    const payout = await eventually(
      async () =>
        (await h.request('GET', `/api/v1/payouts?status=blocked&placementId=${placement.id}`, { actor: m.actors.platformAdmin })).body
          .data[0],
    );
    const payloads = payloadsOf(await storedHistory(payout.workflowId)).map(asJson);
    const decode = (headers: Record<string, string>, body: unknown = { payloads }) =>
      fetch(`${h.baseUrl}/codec/decode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers },
        body: JSON.stringify(body),
      });

    const admin = `Bearer ${await h.token(m.actors.platformAdmin)}`;
    const res = await decode({ authorization: admin });
    expect(res.status).toBe(200);
    const decoded = (await res.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    expect(decoded.payloads).toHaveLength(payloads.length);
    expect(decoded.payloads.every((p) => Buffer.from(p.metadata.encoding!, 'base64').toString() === 'json/plain')).toBe(true);
    const plain = decoded.payloads.map((p) => Buffer.from(p.data, 'base64').toString()).join('\n');
    expect(plain).toContain(placement.id);
    expect(plain).toContain(m.recruiterId);

    expect((await decode({})).status).toBe(401);
    expect((await decode({ authorization: `Bearer ${await h.token(m.actors.companyAdmin)}` })).status).toBe(403);
    expect((await decode({ authorization: admin, 'x-namespace': 'other' })).status).toBe(400);
    expect((await decode({ authorization: admin }, { payloads: [{ data: '@@' }] })).status).toBe(400);
    // A payload sealed with a key not in the ring (or tampered with) is refused, not passed off as data.
    const tampered = { ...payloads[0]!, data: Buffer.from('x'.repeat(40)).toString('base64') };
    expect((await decode({ authorization: admin }, { payloads: [tampered] })).status).toBe(400);

    // encode → decode round-trips (the Web UI encodes what an operator types, e.g. a signal's input).
    const encoded = await fetch(`${h.baseUrl}/codec/encode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: admin },
      body: JSON.stringify({ payloads: decoded.payloads.slice(0, 1) }),
    });
    const reencoded = (await encoded.json()) as { payloads: { metadata: Record<string, string> }[] };
    expect(Buffer.from(reencoded.payloads[0]!.metadata.encoding!, 'base64').toString()).toBe(ENCRYPTED_ENCODING);
  });

  it("lets the Web UI in a signed-in platform admin's browser call it: CORS for the UI's origin and the operator cookie", async () => {
    const m = await createMarketplace(h.db);
    const origin = new URL(TEMPORAL_UI).origin;
    const preflight = await fetch(`${h.baseUrl}/codec/decode`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(origin);
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/X-Namespace/i);
    const stranger = await fetch(`${h.baseUrl}/codec/decode`, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.test', 'access-control-request-method': 'POST' },
    });
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();

    // Only platform admins get the cookie; it is HttpOnly and sent to /codec only.
    expect((await h.request('POST', '/api/v1/operator-session', { actor: m.actors.companyAdmin })).status).toBe(403);
    const session = await h.request('POST', '/api/v1/operator-session', { actor: m.actors.platformAdmin });
    expect(session.status).toBe(204);
    const cookie = session.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^splits_operator=[^;]+; Path=\/codec; HttpOnly; SameSite=Lax/);
    const empty = { payloads: [] };
    const withCookie = await fetch(`${h.baseUrl}/codec/decode`, {
      method: 'POST',
      headers: { origin, 'content-type': 'application/json', cookie: cookie.split(';')[0]! },
      body: JSON.stringify(empty),
    });
    expect(withCookie.status).toBe(200);
    expect(withCookie.headers.get('access-control-allow-origin')).toBe(origin);
    const signedOut = await h.request('DELETE', '/api/v1/operator-session', { actor: m.actors.platformAdmin });
    expect(signedOut.headers.get('set-cookie')).toMatch(/^splits_operator=; Path=\/codec; HttpOnly; SameSite=Lax; Max-Age=0/);
  });
});
