// The records behind the Lever, Workable, Ashby and BambooHR fakes: jobs, candidates and
// applications in arrays ordered by id (paging stays linear at 300,000 rows), change times
// that never go backwards, soft deletes, pushes and the request log. Each fake adds only
// its platform's wire format on top.
import { FailureQueue, type FailureMatch } from '../http.js';
import type { FakeAts } from './types.js';

export interface StoredJob {
  id: number;
  title: string;
  status: 'open' | 'closed' | 'draft';
  updatedAt: number;
  deleted: boolean;
}
export interface StoredCandidate {
  id: number;
  firstName: string;
  lastName: string;
  email: string | null;
  reference: string | null;
  updatedAt: number;
  deleted: boolean;
}
export interface StoredApplication {
  id: number;
  candidateId: number;
  jobId: number;
  stage: string;
  status: 'active' | 'rejected' | 'hired';
  history: { from: string | null; to: string; at: number; by: string | null }[];
  reference: string | null;
  createdAt: number;
  updatedAt: number;
  deleted: boolean;
  deletedAt: number | null;
}

export interface Failure extends FailureMatch {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export class AtsStore {
  readonly jobs: StoredJob[] = [];
  readonly candidates: StoredCandidate[] = [];
  readonly applications: StoredApplication[] = [];
  readonly job = new Map<number, StoredJob>();
  readonly candidate = new Map<number, StoredCandidate>();
  readonly application = new Map<number, StoredApplication>();
  readonly failures = new FailureQueue<Failure>();
  readonly log: { method: string; path: string; query: Record<string, string> }[] = [];
  readonly pushes: { applicationExternalId: string; candidateExternalId: string; jobExternalId: string; reference: string }[] = [];
  private nextId = 1000;
  private clock = 0;

  constructor(readonly stages: readonly string[]) {}

  /** Change times never go backwards, and never run ahead of the wall clock (which checkpoints come from). */
  tick(): number {
    this.clock = Math.max(this.clock, Date.now());
    return this.clock;
  }

  addJob(title: string, status: StoredJob['status'] = 'open'): StoredJob {
    const j = { id: this.nextId++, title, status, updatedAt: this.tick(), deleted: false };
    this.jobs.push(j);
    this.job.set(j.id, j);
    return j;
  }

  addCandidate(fullName: string, email: string | null, reference: string | null = null): StoredCandidate {
    const [first, ...rest] = fullName.split(' ');
    const c = {
      id: this.nextId++,
      firstName: first ?? fullName,
      lastName: rest.join(' '),
      email,
      reference,
      updatedAt: this.tick(),
      deleted: false,
    };
    this.candidates.push(c);
    this.candidate.set(c.id, c);
    return c;
  }

  addApplication(candidateId: number, jobId: number, stage = this.stages[0]!, reference: string | null = null): StoredApplication {
    const at = this.tick();
    const a: StoredApplication = {
      id: this.nextId++,
      candidateId,
      jobId,
      stage,
      status: 'active',
      history: [{ from: null, to: stage, at, by: null }],
      reference,
      createdAt: at,
      updatedAt: at,
      deleted: false,
      deletedAt: null,
    };
    this.applications.push(a);
    this.application.set(a.id, a);
    return a;
  }

  get(id: string): StoredApplication {
    const a = this.application.get(Number(id));
    if (!a) throw new Error(`no application ${id}`);
    return a;
  }

  move(a: StoredApplication, stage: string, by: string | null = null) {
    const at = this.tick();
    a.history.push({ from: a.stage, to: stage, at, by });
    a.stage = stage;
    a.status = /hired/i.test(stage) ? 'hired' : 'active';
    a.updatedAt = at;
  }

  /** The application created through the API, with its reference, once per reference. */
  push(
    reference: string,
    jobId: number,
    fullName: string,
    email: string | null,
  ): { application: StoredApplication; candidate: StoredCandidate; created: boolean } {
    const existing = this.applications.find((a) => a.reference === reference && !a.deleted);
    if (existing) return { application: existing, candidate: this.candidate.get(existing.candidateId)!, created: false };
    const candidate = this.addCandidate(fullName, email, reference);
    const application = this.addApplication(candidate.id, jobId, this.stages[0], reference);
    this.pushes.push({
      applicationExternalId: String(application.id),
      candidateExternalId: String(candidate.id),
      jobExternalId: String(jobId),
      reference,
    });
    return { application, candidate, created: true };
  }

  /** Rows of `list` from position `pos` that pass `keep`, up to `limit`; the position to continue from. */
  static page<T>(list: T[], pos: number, limit: number, keep: (row: T) => boolean): { rows: T[]; next: number } {
    const rows: T[] = [];
    let i = pos;
    for (; i < list.length && rows.length < limit; i++) if (keep(list[i]!)) rows.push(list[i]!);
    return { rows, next: i };
  }

  /** The FakeAts members every platform shares. */
  controls(): Omit<FakeAts, 'platform' | 'url' | 'config' | 'webhookSecret' | 'stageChangeWebhook' | 'signWebhook' | 'close'> {
    return {
      stages: this.stages,
      addJob: ({ title, status }) => String(this.addJob(title, status).id),
      addCandidate: ({ fullName, email = null }) => String(this.addCandidate(fullName, email).id),
      addApplication: ({ candidateExternalId, jobExternalId, stage }) =>
        String(this.addApplication(Number(candidateExternalId), Number(jobExternalId), stage).id),
      moveApplication: (id, stage, actor) => this.move(this.get(id), stage, actor ?? null),
      updateCandidate: (id, patch) => {
        const c = this.candidate.get(Number(id))!;
        if (patch.fullName) [c.firstName, c.lastName] = [patch.fullName.split(' ')[0]!, patch.fullName.split(' ').slice(1).join(' ')];
        if (patch.email !== undefined) c.email = patch.email;
        c.updatedAt = this.tick();
      },
      deleteApplication: (id) => {
        const a = this.get(id);
        a.deleted = true;
        a.deletedAt = a.updatedAt = this.tick();
      },
      deleteCandidate: (id) => {
        const c = this.candidate.get(Number(id))!;
        c.deleted = true;
        c.updatedAt = this.tick();
        for (const a of this.applications)
          if (a.candidateId === c.id && !a.deleted) Object.assign(a, { deleted: true, deletedAt: this.tick(), updatedAt: this.tick() });
      },
      seedBulk: ({ jobs, candidates, applicationsPerCandidate, ageMs = 0 }) => {
        const jobIds = Array.from({ length: jobs }, (_, i) => this.addJob(`Bulk job ${i}`).id);
        const past = Date.now() - ageMs;
        for (let i = 0; i < candidates; i++) {
          const c = this.addCandidate(`Bulk${i} Candidate`, `bulk${i}@example.com`);
          for (let k = 0; k < applicationsPerCandidate; k++) {
            const a = this.addApplication(c.id, jobIds[(i + k) % jobs]!, this.stages[k % 2]);
            if (ageMs > 0) a.updatedAt = a.createdAt = a.history[0]!.at = past;
          }
          if (ageMs > 0) c.updatedAt = past;
        }
        if (ageMs > 0) for (const id of jobIds) this.job.get(id)!.updatedAt = past;
      },
      touch: (fraction) => {
        const every = Math.max(1, Math.round(1 / fraction));
        for (let i = 0; i < this.applications.length; i += every) {
          const a = this.applications[i]!;
          this.move(a, this.stages[(this.stages.indexOf(a.stage) + 1) % this.stages.length]!, 'bulk');
        }
      },
      pushed: () => this.pushes.map((p) => ({ ...p })),
      injectFailure: (f) => this.failures.add(f),
      requests: () => this.log.map((r) => ({ ...r, query: { ...r.query } })),
    };
  }
}
