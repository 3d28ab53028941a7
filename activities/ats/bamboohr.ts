import { atsFetch, basicAuth, hmacSha256Hex, sameHex } from './http.js';
import {
  AtsRequestError,
  type AtsConnector,
  type CanonicalApplication,
  type CanonicalCandidate,
  type CanonicalJob,
  type ConnectorConfig,
  type ListRequest,
  type Page,
} from './types.js';

interface BambooApplicant {
  id: number | string;
  firstName: string;
  lastName: string;
  email: string | null;
  source?: string | null;
}
interface BambooApplication {
  id: number | string;
  appliedDate?: string;
  lastUpdatedDate?: string | null;
  status: { id?: number | null; label: string } | null;
  applicant: BambooApplicant;
  job: { id: number | string; title?: { label: string } } | null;
  source?: string | null;
}
interface BambooJob {
  id: number | string;
  title: { label: string } | string;
  status: { label: string } | null;
  lastUpdatedDate?: string | null;
}
interface ApplicationsEnvelope {
  applications: BambooApplication[];
  paginationComplete: boolean;
  nextPageUrl?: string | null;
}

const WEBHOOK_TOLERANCE_MS = 5 * 60_000;
/**
 * Every list asks for every application and job explicitly: a default that leaves out hired,
 * rejected or filled ones (unverified which) would make a full scan "delete" them. Oldest
 * first, so applications created during a run land on later pages instead of shifting earlier ones.
 */
const EVERYTHING = { applicationStatus: 'ALL', jobStatusGroups: 'ALL', sortBy: 'created_date', sortOrder: 'ASC' };

/** How a pushed application carries our reference in BambooHR: its `source`. */
export const bambooReferenceSource = (reference: string) => `splits:${reference}`;

/** Whether a listed application is `candidate`'s: same e-mail when we have one, else the same name. */
function sameApplicant(a: BambooApplication, candidate: { fullName: string; email: string | null }): boolean {
  const email = candidate.email?.trim().toLowerCase();
  if (email) return (a.applicant.email ?? '').trim().toLowerCase() === email;
  const name = (v: string) => v.trim().replace(/\s+/g, ' ').toLowerCase();
  return name(`${a.applicant.firstName ?? ''} ${a.applicant.lastName ?? ''}`) === name(candidate.fullName);
}

const HIRED = /hired/i;
const REJECTED = /not (a )?fit|declined|rejected|withdrawn|disqualified|not qualified|no longer/i;

/**
 * BambooHR applicant tracking: HTTP Basic (key as user, any password), JSON on request. No
 * updated-since filter exists (`newSince` is created-since), so every run lists everything
 * and ignores the checkpoint: the ingestion finds changes by content hash and deletions by
 * what a complete run no longer lists. Jobs come in one unpaginated list; applications are
 * page-numbered (`paginationComplete`, `nextPageUrl`); candidates are the applicants embedded
 * in them. Throttling is 503 (older) or 429 + Retry-After (newer), both AtsRateLimitError via
 * atsFetch. Webhooks cover employees only: none for applicant tracking.
 */
export function createBambooHrConnector(config: ConnectorConfig): AtsConnector {
  const root = (config.baseUrl ?? 'https://api.bamboohr.com').replace(/\/$/, '');
  const base = `${root}/api/gateway.php/${encodeURIComponent(config.credentials.companyDomain ?? '')}/v1/applicant_tracking`;
  const headers = { authorization: basicAuth(config.credentials.apiKey ?? '', 'x'), accept: 'application/json' };

  async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
    const res = await atsFetch('bamboohr', `${base}${path}`, { ...init, headers: { ...headers, ...init.headers }, fetch: config.fetch });
    try {
      return (await res.json()) as T;
    } catch (err) {
      throw new AtsRequestError(
        `bamboohr: ${init.method ?? 'GET'} ${path} answered ${res.status} with a body that is not JSON: ${String(err)}`,
        res.status,
        false,
      );
    }
  }

  /** One page of applications; `cursor` is the page number the previous page pointed to. */
  async function applications(
    cursor: string | null,
    filter: Record<string, string> = {},
  ): Promise<{ rows: BambooApplication[]; next: string | null }> {
    const page = cursor ?? '1';
    if (!/^[1-9]\d*$/.test(page)) throw new AtsRequestError(`bamboohr: ${page} is not a page number`, null, true);
    const body = await request<ApplicationsEnvelope | BambooApplication[]>(
      `/applications?${new URLSearchParams({ ...EVERYTHING, ...filter, page })}`,
    );
    if (Array.isArray(body)) return { rows: body, next: null }; // an unpaginated answer is the whole list
    if (!Array.isArray(body.applications))
      throw new AtsRequestError('bamboohr: /applications answered without an applications list', 200, false);
    if (body.paginationComplete) return { rows: body.applications, next: null };
    // An incomplete run ending here would let the ingestion delete what it did not reach: refuse it.
    if (body.applications.length === 0)
      throw new AtsRequestError(`bamboohr: page ${page} of /applications is empty but pagination is not complete`, 200, false);
    const fromUrl = body.nextPageUrl ? new URL(body.nextPageUrl, root).searchParams.get('page') : null;
    const next = fromUrl && /^\d+$/.test(fromUrl) && Number(fromUrl) > Number(page) ? fromUrl : String(Number(page) + 1);
    return { rows: body.applications, next };
  }

  const application = (a: BambooApplication): CanonicalApplication => {
    const label = a.status?.label ?? 'New';
    return {
      externalId: String(a.id),
      candidateExternalId: String(a.applicant.id),
      jobExternalId: a.job ? String(a.job.id) : null,
      stage: label,
      status: HIRED.test(label) ? 'hired' : REJECTED.test(label) ? 'rejected' : 'active',
      stageHistory: [],
      updatedAt: a.lastUpdatedDate ?? null,
      deleted: false,
      raw: a,
    };
  };
  const candidate = (p: BambooApplicant): CanonicalCandidate => ({
    // An applicant has no change time of its own (its applications' would differ page to page).
    externalId: String(p.id),
    fullName: `${p.firstName ?? ''} ${p.lastName ?? ''}`.trim(),
    email: p.email || null,
    updatedAt: null,
    deleted: false,
    raw: p,
  });

  return {
    platform: 'bamboohr',
    capabilities: { incremental: { jobs: 'full_scan', candidates: 'full_scan', applications: 'full_scan' }, webhooks: false, push: true },

    async testConnection() {
      await request('/jobs?statusGroups=ALL');
    },

    /** Not paginated: the whole list is one page, whatever the cursor or checkpoint. */
    async listJobs(): Promise<Page<CanonicalJob>> {
      const jobs = await request<BambooJob[]>(`/jobs?${new URLSearchParams({ statusGroups: 'ALL', sortBy: 'created', sortOrder: 'ASC' })}`);
      return {
        items: jobs.map((j): CanonicalJob => {
          const label = j.status?.label ?? '';
          return {
            externalId: String(j.id),
            title: typeof j.title === 'string' ? j.title : j.title.label,
            status: label === 'Open' ? 'open' : label === 'Draft' ? 'draft' : 'closed',
            updatedAt: j.lastUpdatedDate ?? null,
            deleted: label === 'Deleted',
            raw: j,
          };
        }),
        nextCursor: null,
      };
    },

    /** The applicants of a page of applications, each once (an applicant with two applications on a page is one candidate). */
    async listCandidates(req: ListRequest) {
      const { rows, next } = await applications(req.cursor);
      const applicants = new Map(rows.map((a) => [String(a.applicant.id), a.applicant]));
      return { items: [...applicants.values()].map(candidate), nextCursor: next };
    },

    async listApplications(req: ListRequest) {
      const { rows, next } = await applications(req.cursor);
      return { items: rows.map(application), nextCursor: next };
    },

    /**
     * Idempotent without a searchable reference (BambooHR shows no `source` to search by): the
     * person's application to this job is looked for first — by e-mail, else name — and only
     * created when there is none. The create answer may carry little more than an id: without
     * the application's, it is looked up again; a retry after a lost answer finds it the same
     * way, so no attempt creates blindly. The note is added as a comment.
     */
    async pushApplication(input) {
      const find = async (): Promise<{ applicationExternalId: string; candidateExternalId: string } | null> => {
        const filter = { jobId: input.jobExternalId, searchString: input.candidate.email?.trim() || input.candidate.fullName };
        let cursor: string | null = null;
        do {
          const page: { rows: BambooApplication[]; next: string | null } = await applications(cursor, filter);
          // Checked again: a filter the platform ignored would list other people's applications.
          const mine = page.rows.find(
            (row) => (!row.job || String(row.job.id) === input.jobExternalId) && sameApplicant(row, input.candidate),
          );
          if (mine) return { applicationExternalId: String(mine.id), candidateExternalId: String(mine.applicant.id) };
          cursor = page.next;
        } while (cursor);
        return null;
      };
      const existing = await find();
      if (existing) return existing;

      const [firstName = '', ...rest] = input.candidate.fullName.trim().split(/\s+/);
      const form = new FormData();
      const fields = {
        firstName,
        lastName: rest.join(' '),
        email: input.candidate.email?.trim() ?? '',
        jobId: input.jobExternalId,
        source: bambooReferenceSource(input.reference),
      };
      for (const [k, v] of Object.entries(fields)) if (v) form.set(k, v);
      const created = await request<{ applicationId?: number | string; candidateId?: number | string; id?: number | string }>(
        '/application',
        { method: 'POST', body: form },
      );
      const pushed =
        created.applicationId !== undefined && created.candidateId !== undefined
          ? { applicationExternalId: String(created.applicationId), candidateExternalId: String(created.candidateId) }
          : await find();
      // Created, but not (yet) listed: the retry looks it up before anything else, and creates nothing.
      if (!pushed) throw new AtsRequestError('bamboohr: the created application is not listed yet', 200, false);
      if (input.note.trim()) {
        await request(`/applications/${encodeURIComponent(pushed.applicationExternalId)}/comments`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ type: 'comment', comment: input.note }),
        });
      }
      return pushed;
    },

    /** Employee webhooks only, but verified as BambooHR signs them: hex HMAC-SHA256 of body + timestamp. */
    verifyWebhook({ rawBody, headers: h, secret, now }) {
      const signature = h['x-bamboohr-signature']?.trim();
      const timestamp = h['x-bamboohr-timestamp']?.trim();
      if (!signature || !timestamp) return { ok: false, reason: 'missing_signature' };
      const expected = hmacSha256Hex(secret, Buffer.concat([rawBody, Buffer.from(timestamp, 'utf8')]));
      if (!sameHex(signature, expected)) return { ok: false, reason: 'bad_signature' };
      // Epoch seconds (milliseconds when longer), or a date.
      const at = /^\d+$/.test(timestamp) ? Number(timestamp) * (timestamp.length > 11 ? 1 : 1000) : Date.parse(timestamp);
      if (!Number.isFinite(at) || Math.abs(now.getTime() - at) > WEBHOOK_TOLERANCE_MS) return { ok: false, reason: 'stale' };
      return { ok: true };
    },

    /** BambooHR's webhooks are about employees: nothing for applicant tracking. */
    parseWebhook: () => [],
  };
}
