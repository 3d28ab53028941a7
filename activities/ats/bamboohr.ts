import { atsFetch, basicAuth, hmacSha256Hex, sameHex } from './http.js';
import { AtsRequestError, type AtsConnector, type CanonicalApplication, type CanonicalCandidate, type CanonicalJob, type ConnectorConfig, type ListRequest, type Page } from './types.js';

interface BambooApplication {
  id: number; status: { label: string }; lastUpdatedDate: string | null;
  applicant: { id: number; firstName: string; lastName: string; email: string | null; source?: string | null }; job: { id: number } | null;
}

const WEBHOOK_TOLERANCE_MS = 5 * 60_000;

/**
 * BambooHR applicant tracking: HTTP Basic (key as user, any password). No updated-since
 * filter exists (`newSince` is created-since), so every run lists everything — the
 * ingestion finds changes by content hash and deletions by what a complete run no longer
 * lists. Applications are page-numbered; candidates come embedded in them. Throttling is
 * 503 (older) or 429 + Retry-After (newer). Webhooks cover employees only.
 */
export function createBambooHrConnector(config: ConnectorConfig): AtsConnector {
  const base = `${(config.baseUrl ?? 'https://api.bamboohr.com').replace(/\/$/, '')}/api/gateway.php/${encodeURIComponent(config.credentials.companyDomain ?? '')}/v1/applicant_tracking`;
  const headers = { authorization: basicAuth(config.credentials.apiKey ?? '', 'x'), accept: 'application/json' };
  const get = async <T>(url: string) => (await (await atsFetch('bamboohr', url, { headers, fetch: config.fetch })).json()) as T;

  async function applications(req: ListRequest, extra: Record<string, string> = {}): Promise<{ rows: BambooApplication[]; next: string | null }> {
    const page = req.cursor ?? '1';
    if (!/^\d+$/.test(page)) throw new AtsRequestError(`bamboohr: bad page cursor ${page}`, null, true);
    const body = await get<{ applications: BambooApplication[]; paginationComplete: boolean }>(`${base}/applications?${new URLSearchParams({ page, ...extra })}`);
    return { rows: body.applications, next: body.paginationComplete ? null : String(Number(page) + 1) };
  }
  const application = (a: BambooApplication): CanonicalApplication => ({
    externalId: String(a.id), candidateExternalId: String(a.applicant.id), jobExternalId: a.job ? String(a.job.id) : null, stage: a.status.label,
    status: /hired/i.test(a.status.label) ? 'hired' : /not (a )?fit|declined|rejected/i.test(a.status.label) ? 'rejected' : 'active',
    stageHistory: [], updatedAt: a.lastUpdatedDate, deleted: false, raw: a,
  });
  const candidate = (a: BambooApplication): CanonicalCandidate => ({
    externalId: String(a.applicant.id), fullName: `${a.applicant.firstName} ${a.applicant.lastName}`.trim(), email: a.applicant.email, updatedAt: a.lastUpdatedDate, deleted: false, raw: a.applicant,
  });

  return {
    platform: 'bamboohr',
    capabilities: { incremental: { jobs: 'full_scan', candidates: 'full_scan', applications: 'full_scan' }, webhooks: false, push: true },
    async testConnection() {
      await get(`${base}/jobs`);
    },
    async listJobs(): Promise<Page<CanonicalJob>> {
      const jobs = await get<{ id: number; title: { label: string }; status: { label: string }; lastUpdatedDate?: string }[]>(`${base}/jobs`);
      return {
        items: jobs.map((j): CanonicalJob => ({
          externalId: String(j.id), title: j.title.label, status: j.status.label === 'Open' ? 'open' : j.status.label === 'Draft' ? 'draft' : 'closed',
          updatedAt: j.lastUpdatedDate ?? null, deleted: false, raw: j,
        })),
        nextCursor: null,
      };
    },
    async listCandidates(req) {
      const { rows, next } = await applications(req);
      return { items: [...new Map(rows.map((a) => [a.applicant.id, candidate(a)])).values()], nextCursor: next };
    },
    async listApplications(req) {
      const { rows, next } = await applications(req);
      return { items: rows.map(application), nextCursor: next };
    },
    async pushApplication(input) {
      const found = await applications({ checkpoint: null, cursor: null, pageSize: 1 }, { searchString: input.reference });
      const mine = found.rows.find((a) => a.applicant.source === input.reference);
      if (mine) return { applicationExternalId: String(mine.id), candidateExternalId: String(mine.applicant.id) };
      const [firstName, ...rest] = input.candidate.fullName.split(' ');
      const form = new FormData();
      for (const [k, v] of Object.entries({ firstName: firstName ?? input.candidate.fullName, lastName: rest.join(' '), email: input.candidate.email ?? '', jobId: input.jobExternalId, source: input.reference, coverLetter: input.note })) form.set(k, v);
      const res = await (await atsFetch('bamboohr', `${base}/application`, { method: 'POST', headers, body: form, fetch: config.fetch })).json() as { applicationId: number; candidateId: number };
      return { applicationExternalId: String(res.applicationId), candidateExternalId: String(res.candidateId) };
    },
    verifyWebhook({ rawBody, headers: h, secret, now }) {
      const signature = h['x-bamboohr-signature'];
      const timestamp = h['x-bamboohr-timestamp'];
      if (!signature || !timestamp) return { ok: false, reason: 'missing_signature' };
      if (!sameHex(signature, hmacSha256Hex(secret, `${rawBody.toString('utf8')}${timestamp}`))) return { ok: false, reason: 'bad_signature' };
      if (!/^\d+$/.test(timestamp) || Math.abs(now.getTime() - Number(timestamp) * 1000) > WEBHOOK_TOLERANCE_MS) return { ok: false, reason: 'stale' };
      return { ok: true };
    },
    /** BambooHR's webhooks are about employees: nothing for applicant tracking. */
    parseWebhook: () => [],
  };
}
