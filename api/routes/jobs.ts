import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import type { Db, Executor } from '../../lib/db.js';
import { jobsDal, type JobRecord, type RankedJob } from '../../db/dal/jobs.js';
import { jobRecruitersDal, type JobRecruiterRow } from '../../db/dal/job-recruiters.js';
import { namesDal } from '../../db/dal/names.js';
import { withTransaction } from '../../db/dal/once.js';
import {
  ATS_EDITABLE_JOB_FIELDS,
  JOB_COMMANDS,
  jobCommandRefusal,
  partnerRefusal,
  type JobAccess,
  type JobCommand,
  type JobRecruiterRelation,
  type JobStatus,
  type RemoteMode,
} from '../../domain/jobs.js';
import { actorOf, type AuthedActor } from '../auth.js';
import { conflict, forbidden, notFound, unprocessable } from '../errors.js';
import type { Operation } from '../openapi.js';
import { decodeCursor, decodeRankCursor, encodeRankCursor, page } from '../pagination.js';
import { route } from '../routing.js';
import { idParams, pageOf, pageQuery } from '../schemas/common.js';
import {
  jobChangeDto,
  jobCreateBody,
  jobDto,
  jobListQuery,
  jobPartnerParams,
  jobPatchBody,
  jobRecruiterBody,
  jobSharingDto,
} from './jobs.schemas.js';

type JobDto = z.infer<typeof jobDto>;
type Fields = z.infer<typeof jobPatchBody>;

const isCompanyUser = (a: AuthedActor) => a.role === 'company_admin' || a.role === 'hiring_manager';

/** The editable fields of a row, as the API names them (what the audit compares). */
function fieldsOf(j: JobRecord): Required<Fields> {
  return {
    title: j.title,
    description: j.description,
    location: j.location,
    remote: j.remote as RemoteMode | null,
    salary:
      j.salary_currency === null
        ? null
        : { minCents: j.salary_min_cents!, maxCents: j.salary_max_cents!, currency: j.salary_currency as never },
    fee:
      j.fee_percent_bps !== null
        ? { type: 'percentage', percentBps: j.fee_percent_bps }
        : j.fee_fixed_cents !== null
          ? { type: 'fixed', amountCents: j.fee_fixed_cents, currency: j.fee_currency as never }
          : (null as never),
    sharedWithMarketplace: j.shared_with_marketplace,
  };
}

/** The columns a set of (already validated) fields writes. */
function columnsOf(f: Fields): Partial<JobRecord> {
  const c: Partial<JobRecord> = {};
  if (f.title !== undefined) c.title = f.title;
  if (f.description !== undefined) c.description = f.description;
  if (f.location !== undefined) c.location = f.location;
  if (f.remote !== undefined) c.remote = f.remote;
  if (f.salary !== undefined) {
    Object.assign(c, {
      salary_min_cents: f.salary?.minCents ?? null,
      salary_max_cents: f.salary?.maxCents ?? null,
      salary_currency: f.salary?.currency ?? null,
    });
  }
  if (f.fee !== undefined) {
    Object.assign(
      c,
      f.fee.type === 'percentage'
        ? { fee_percent_bps: f.fee.percentBps, fee_fixed_cents: null, fee_currency: null }
        : { fee_percent_bps: null, fee_fixed_cents: f.fee.amountCents, fee_currency: f.fee.currency },
    );
  }
  if (f.sharedWithMarketplace !== undefined) c.shared_with_marketplace = f.sharedWithMarketplace;
  return c;
}

/** Field → [old, new] for what differs between two versions of a job. */
function diff(before: Partial<Required<Fields>>, after: Required<Fields>): Record<string, [unknown, unknown]> {
  const changes: Record<string, [unknown, unknown]> = {};
  for (const key of Object.keys(after) as (keyof Fields)[]) {
    const [was, now] = [before[key] ?? null, after[key] ?? null];
    if (JSON.stringify(was) !== JSON.stringify(now)) changes[key] = [was, now];
  }
  return changes;
}

const dto = (j: JobRecord | RankedJob, companyName: string | null, sharing: Pick<JobDto, 'holder' | 'access'>): JobDto => ({
  id: j.id,
  companyId: j.company_id,
  companyName,
  status: j.status as JobStatus,
  ...fieldsOf(j),
  atsSynced: j.source_integration_id !== null,
  ...sharing,
  createdAt: j.created_at.toISOString(),
  updatedAt: j.updated_at.toISOString(),
  ...('rank' in j ? { rank: j.rank } : {}),
});

type Sharing = z.infer<typeof jobSharingDto>;
/** How a job's audit names a recruiter: their id and the name they had then. */
const recruiterRef = (r: { recruiter_id: string; display_name: string }) => ({ recruiterId: r.recruiter_id, name: r.display_name });
const sharingOf = (jobId: string, rows: JobRecruiterRow[]): Sharing => {
  const holder = rows.find((r) => r.relation === 'holder');
  return {
    jobId,
    holder: holder ? { recruiterId: holder.recruiter_id, displayName: holder.display_name } : null,
    partners: rows
      .filter((r) => r.relation === 'partner')
      .map((r) => ({ recruiterId: r.recruiter_id, displayName: r.display_name, addedAt: r.created_at.toISOString() })),
  };
};
/** The audit's record of the partners whose sharing ended with their holder's holding, if any. */
const endedPartners = (rows: JobRecruiterRow[]) => {
  const partners = rows.filter((r) => r.relation === 'partner').map(recruiterRef);
  return partners.length ? { partners: [partners, []] as [unknown, unknown] } : {};
};

const COMMAND_CHANGE = { open: 'opened', pause: 'paused', close: 'closed' } as const;

/**
 * Jobs without an ATS (product §3.8): company admins post, edit, open, pause and close their
 * company's jobs and choose each job's holder; holders share their jobs with partner
 * recruiters; recruiters browse and search the open jobs companies share, and the ones they
 * hold or partner; every change is audited in `job_changes`.
 */
export function jobRoutes({ db, registry }: { db: Db; registry: Operation[] }): Router {
  const router = Router();
  const jobs = jobsDal(db);
  const jobRecruiters = jobRecruitersDal(db);
  const names = namesDal(db);

  /**
   * Each job as `actor` sees it: with its company's name, and its holder and (recruiters) how
   * they got it. A recruiter who neither holds nor partners a job is not told who holds it.
   */
  const withNames = async (actor: AuthedActor, rows: (JobRecord | RankedJob)[]) => {
    const ids = rows.map((r) => r.id);
    const [companies, holders, relations] = await Promise.all([
      names.companies(rows.map((r) => r.company_id)),
      jobRecruiters.holders(ids),
      actor.role === 'recruiter' && actor.recruiterId
        ? jobRecruiters.relationsOf(actor.recruiterId, ids)
        : Promise.resolve(new Map<string, JobRecruiterRelation>()),
    ]);
    return (j: JobRecord | RankedJob) => {
      const relation = relations.get(j.id);
      const recruiter = actor.role === 'recruiter';
      return dto(j, companies.get(j.company_id) ?? null, {
        holder: !recruiter || relation ? (holders.get(j.id) ?? null) : null,
        access: recruiter ? ((relation ?? 'marketplace') as JobAccess) : null,
      });
    };
  };
  const one = async (actor: AuthedActor, job: JobRecord) => (await withNames(actor, [job]))(job);

  /**
   * A job the actor may see, else 404: their company's (company users); one shared with the
   * marketplace, or that they hold or partner (recruiters); any (platform admins).
   */
  const visible = async (actor: AuthedActor, job: JobRecord | undefined, trx: Executor = db): Promise<JobRecord> => {
    if (!job) throw notFound('job');
    if (isCompanyUser(actor) && job.company_id !== actor.companyId) throw notFound('job');
    if (actor.role === 'recruiter' && !(await jobRecruiters.recruiterSees(job, actor.recruiterId ?? null, trx))) throw notFound('job');
    return job;
  };

  /** Locks a job the actor may see for a change (else 404: another company's, or a recruiter's unseen job). */
  const lockOwn = async (actor: AuthedActor, id: string, trx: Executor) => visible(actor, await jobs.find(id, trx, { lock: true }), trx);

  /** A recruiter who may be made a holder or partner: known, and their user not deactivated; else 422. */
  const activeRecruiter = async (recruiterId: string, trx: Executor) => {
    const recruiter = await jobRecruiters.recruiter(recruiterId, trx);
    if (!recruiter) throw unprocessable('no such recruiter', 'unknown_recruiter');
    if (recruiter.deactivated) throw unprocessable("this recruiter's account is deactivated", 'recruiter_deactivated');
    return recruiter;
  };

  /** Sharing changes the holder (or the company admin) makes: never on a closed job (409). */
  const refuseIfClosed = (job: JobRecord) => {
    if (job.status === 'closed') throw conflict("a closed job's holder and partners cannot change", { status: job.status });
  };

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/jobs',
      summary:
        "Jobs: company users see their company's in every status, recruiters the open jobs shared with the marketplace or that they hold or were shared as a partner, platform admins all; `q` searches them",
      query: jobListQuery,
      responses: {
        200: { description: 'A page of jobs: newest first, or best match first with `q`', schema: pageOf(jobDto) },
        400: { description: 'Invalid filter or cursor' },
      },
    },
    async ({ query, res }) => {
      const actor = actorOf(res);
      const filter = {
        ...query,
        companyId: isCompanyUser(actor) ? actor.companyId! : actor.role === 'platform_admin' ? query.companyId : undefined,
        marketplace: actor.role === 'recruiter',
        recruiterId: actor.role === 'recruiter' ? (actor.recruiterId ?? undefined) : undefined,
      };
      if (query.q) {
        const rows = await jobs.search(query.q, { ...filter, after: decodeRankCursor(query.cursor), limit: query.limit + 1 });
        const visibleRows = rows.slice(0, query.limit);
        const last = visibleRows[visibleRows.length - 1];
        const toDto = await withNames(actor, visibleRows);
        return {
          status: 200,
          body: {
            data: visibleRows.map(toDto),
            nextCursor: rows.length > query.limit && last ? encodeRankCursor(last.rank, last.id) : null,
          },
        };
      }
      const rows = await jobs.list({ ...filter, before: decodeCursor(query.cursor), limit: query.limit + 1 });
      return { status: 200, body: page(rows, query.limit, await withNames(actor, rows)) };
    },
  );

  route(
    router,
    registry,
    {
      method: 'post',
      path: '/jobs',
      summary: 'Post a job (company admin): created open, audited; accepts an Idempotency-Key',
      body: jobCreateBody,
      roles: ['company_admin'],
      responses: { 201: { description: 'The job', schema: jobDto }, 400: { description: 'Invalid job' } },
    },
    async ({ body, res }) => {
      const actor = actorOf(res);
      const created = await withTransaction(db, async (trx) => {
        const job = await jobs.insert(
          { id: randomUUID(), company_id: actor.companyId!, status: 'open', ...columnsOf(body), title: body.title },
          trx,
        );
        await jobs.recordChange(
          { job_id: job.id, actor_user_id: actor.userId, actor_role: actor.role, change: 'created', changes: diff({}, fieldsOf(job)) },
          trx,
        );
        return job;
      });
      return { status: 201, body: await one(actor, created) };
    },
  );

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/jobs/:id',
      summary: 'One job, as its company, a recruiter (shared jobs, and jobs they hold or partner) or a platform admin sees it',
      params: idParams,
      responses: { 200: { description: 'The job', schema: jobDto }, 404: { description: 'No such job, or not one the caller may see' } },
    },
    async ({ params, res }) => {
      const actor = actorOf(res);
      const job = await visible(actor, await jobs.find(params.id));
      return { status: 200, body: await one(actor, job) };
    },
  );

  route(
    router,
    registry,
    {
      method: 'patch',
      path: '/jobs/:id',
      summary: 'Edit a job (company admin); an ATS-synced job only its marketplace settings (sharedWithMarketplace, fee)',
      params: idParams,
      body: jobPatchBody,
      roles: ['company_admin'],
      responses: {
        200: { description: 'The job as edited', schema: jobDto },
        400: { description: 'Invalid change' },
        404: { description: "No such job in the caller's company" },
        409: { description: 'The job is closed, or synced from an ATS and the change is not a marketplace setting' },
      },
    },
    async ({ params, body, res }) => {
      const actor = actorOf(res);
      const updated = await withTransaction(db, async (trx) => {
        const job = await lockOwn(actor, params.id, trx);
        if (job.source_integration_id !== null) {
          const atsOwned = Object.keys(body).filter((k) => !(ATS_EDITABLE_JOB_FIELDS as readonly string[]).includes(k));
          if (atsOwned.length) {
            throw conflict(
              `this job is synced from the company's ATS: change ${atsOwned.join(', ')} there; here only the marketplace settings (sharedWithMarketplace, fee) can change`,
              { fields: atsOwned },
            );
          }
        }
        if (job.status === 'closed') throw conflict('a closed job cannot be edited');
        const changes = diff(fieldsOf(job), { ...fieldsOf(job), ...body } as Required<Fields>);
        if (Object.keys(changes).length === 0) return job;
        const after = await jobs.update(job.id, columnsOf(body), trx);
        await jobs.recordChange({ job_id: job.id, actor_user_id: actor.userId, actor_role: actor.role, change: 'edited', changes }, trx);
        return after;
      });
      return { status: 200, body: await one(actor, updated) };
    },
  );

  for (const command of Object.keys(JOB_COMMANDS) as JobCommand[]) {
    route(
      router,
      registry,
      {
        method: 'post',
        path: `/jobs/:id/${command}`,
        summary: `${command[0]!.toUpperCase()}${command.slice(1)} a job (company admin); not an ATS-synced job, whose status its ATS decides`,
        params: idParams,
        roles: ['company_admin'],
        responses: {
          200: { description: `The job, ${JOB_COMMANDS[command].to}`, schema: jobDto },
          404: { description: "No such job in the caller's company" },
          409: { description: "Not allowed from the job's status (a closed job is final), or the job is synced from an ATS" },
        },
      },
      async ({ params, res }) => {
        const actor = actorOf(res);
        const updated = await withTransaction(db, async (trx) => {
          const job = await lockOwn(actor, params.id, trx);
          if (job.source_integration_id !== null) throw conflict("this job is synced from the company's ATS: its status follows the ATS");
          const refusal = jobCommandRefusal(command, job.status as JobStatus);
          if (refusal) throw conflict(refusal, { status: job.status });
          const to = JOB_COMMANDS[command].to;
          const after = await jobs.update(job.id, { status: to }, trx);
          await jobs.recordChange(
            {
              job_id: job.id,
              actor_user_id: actor.userId,
              actor_role: actor.role,
              change: COMMAND_CHANGE[command],
              changes: { status: [job.status, to] },
            },
            trx,
          );
          return after;
        });
        return { status: 200, body: await one(actor, updated) };
      },
    );
  }

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/jobs/:id/changes',
      summary: "A job's audit: who changed what, when (its company's users and platform admins), newest first",
      params: idParams,
      query: z.strictObject({ ...pageQuery }),
      roles: ['company_admin', 'hiring_manager', 'platform_admin'],
      responses: {
        200: { description: 'A page of changes', schema: pageOf(jobChangeDto) },
        404: { description: "No such job in the caller's company" },
      },
    },
    async ({ params, query, res }) => {
      const job = await visible(actorOf(res), await jobs.find(params.id));
      const rows = await jobs.changes(job.id, { before: decodeCursor(query.cursor, 'serial'), limit: query.limit + 1 });
      const people = await names.people(rows.map((r) => r.actor_user_id));
      return {
        status: 200,
        body: page(
          rows,
          query.limit,
          (c) => ({
            id: c.id,
            change: c.change,
            changes: c.changes as Record<string, [unknown, unknown]>,
            actorUserId: c.actor_user_id,
            actorName: c.actor_user_id ? (people.get(c.actor_user_id) ?? null) : null,
            actorRole: c.actor_role,
            occurredAt: c.occurred_at.toISOString(),
          }),
          'occurred_at',
        ),
      };
    },
  );

  // Holders and partners (product §3.8): the company admin makes a recruiter the job's holder;
  // the holder shares it with partner recruiters. Every change is a `job_changes` row.

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/jobs/:id/partners',
      summary:
        "Who holds a job and whom its holder shares it with: the company's users, platform admins, and the holder (a partner is refused)",
      params: idParams,
      roles: ['company_admin', 'hiring_manager', 'platform_admin', 'recruiter'],
      responses: {
        200: { description: 'The holder and the partners, in the order they were added', schema: jobSharingDto },
        403: { description: 'A recruiter who sees the job but does not hold it (partners do not see each other)' },
        404: { description: 'No such job, or not one the caller may see' },
      },
    },
    async ({ params, res }) => {
      const actor = actorOf(res);
      const job = await visible(actor, await jobs.find(params.id));
      const rows = await jobRecruiters.of(job.id);
      if (actor.role === 'recruiter' && !rows.some((r) => r.relation === 'holder' && r.recruiter_id === actor.recruiterId)) {
        throw forbidden("only the job's holder sees whom it is shared with");
      }
      return { status: 200, body: sharingOf(job.id, rows) };
    },
  );

  route(
    router,
    registry,
    {
      method: 'put',
      path: '/jobs/:id/holder',
      summary:
        "Make a recruiter the job's holder (company admin): a new holder starts with no partners (the previous holder's sharing ends); repeating it changes nothing",
      params: idParams,
      body: jobRecruiterBody,
      roles: ['company_admin'],
      responses: {
        200: { description: "The job's holder and partners", schema: jobSharingDto },
        404: { description: "No such job in the caller's company" },
        409: { description: 'The job is closed' },
        422: { description: 'No such recruiter (unknown_recruiter), or their account is deactivated (recruiter_deactivated)' },
      },
    },
    async ({ params, body, res }) => {
      const actor = actorOf(res);
      const sharing = await withTransaction(db, async (trx) => {
        const job = await lockOwn(actor, params.id, trx);
        refuseIfClosed(job);
        const recruiter = await activeRecruiter(body.recruiterId, trx);
        const rows = await jobRecruiters.of(job.id, trx);
        const holder = rows.find((r) => r.relation === 'holder');
        if (holder?.recruiter_id === recruiter.id) return sharingOf(job.id, rows);
        await jobRecruiters.removeAll(job.id, trx);
        await jobRecruiters.add({ job_id: job.id, recruiter_id: recruiter.id, relation: 'holder', added_by_user_id: actor.userId }, trx);
        await jobs.recordChange(
          {
            job_id: job.id,
            actor_user_id: actor.userId,
            actor_role: actor.role,
            change: 'holder_set',
            changes: {
              holder: [
                holder ? recruiterRef(holder) : null,
                recruiterRef({ recruiter_id: recruiter.id, display_name: recruiter.display_name }),
              ],
              ...endedPartners(rows),
            },
          },
          trx,
        );
        return sharingOf(job.id, await jobRecruiters.of(job.id, trx));
      });
      return { status: 200, body: sharing };
    },
  );

  route(
    router,
    registry,
    {
      method: 'delete',
      path: '/jobs/:id/holder',
      summary:
        "Remove the job's holder (company admin): their partners' access ends with it (unless the job is shared with the marketplace); without a holder it changes nothing",
      params: idParams,
      roles: ['company_admin'],
      responses: {
        200: { description: 'The job without a holder or partners', schema: jobSharingDto },
        404: { description: "No such job in the caller's company" },
        409: { description: 'The job is closed' },
      },
    },
    async ({ params, res }) => {
      const actor = actorOf(res);
      const sharing = await withTransaction(db, async (trx) => {
        const job = await lockOwn(actor, params.id, trx);
        refuseIfClosed(job);
        const rows = await jobRecruiters.of(job.id, trx);
        const holder = rows.find((r) => r.relation === 'holder');
        if (!holder) return sharingOf(job.id, rows);
        await jobRecruiters.removeAll(job.id, trx);
        await jobs.recordChange(
          {
            job_id: job.id,
            actor_user_id: actor.userId,
            actor_role: actor.role,
            change: 'holder_removed',
            changes: { holder: [recruiterRef(holder), null], ...endedPartners(rows) },
          },
          trx,
        );
        return sharingOf(job.id, []);
      });
      return { status: 200, body: sharing };
    },
  );

  /** Locks a job for its holder's change: 404 when they may not see it, 403 when they see it but do not hold it, 409 when closed. */
  const lockAsHolder = async (actor: AuthedActor, id: string, trx: Executor) => {
    const job = await lockOwn(actor, id, trx);
    const rows = await jobRecruiters.of(job.id, trx);
    if (!rows.some((r) => r.relation === 'holder' && r.recruiter_id === actor.recruiterId)) {
      throw forbidden("only the job's holder shares it with partners");
    }
    refuseIfClosed(job);
    return { job, rows };
  };

  route(
    router,
    registry,
    {
      method: 'post',
      path: '/jobs/:id/partners',
      summary:
        'Share a job you hold with a partner recruiter (its holder): they see it and may propose for it while it is open; repeating it changes nothing; accepts an Idempotency-Key',
      params: idParams,
      body: jobRecruiterBody,
      roles: ['recruiter'],
      responses: {
        200: { description: 'Already a partner: nothing changed', schema: jobSharingDto },
        201: { description: 'Shared: the holder and the partners', schema: jobSharingDto },
        403: { description: 'The caller sees the job but does not hold it' },
        404: { description: 'No such job, or not one the caller may see' },
        409: { description: 'The job is closed' },
        422: {
          description:
            'No such recruiter (unknown_recruiter), their account is deactivated (recruiter_deactivated), yourself, or the job has its maximum of partners (partner_refused)',
        },
      },
    },
    async ({ params, body, res }) => {
      const actor = actorOf(res);
      return withTransaction(db, async (trx) => {
        const { job, rows } = await lockAsHolder(actor, params.id, trx);
        const partner = await activeRecruiter(body.recruiterId, trx);
        if (rows.some((r) => r.relation === 'partner' && r.recruiter_id === partner.id)) {
          return { status: 200, body: sharingOf(job.id, rows) };
        }
        const refusal = partnerRefusal(actor.recruiterId!, partner.id, rows.filter((r) => r.relation === 'partner').length);
        if (refusal) throw unprocessable(refusal, 'partner_refused');
        await jobRecruiters.add({ job_id: job.id, recruiter_id: partner.id, relation: 'partner', added_by_user_id: actor.userId }, trx);
        await jobs.recordChange(
          {
            job_id: job.id,
            actor_user_id: actor.userId,
            actor_role: actor.role,
            change: 'partner_added',
            changes: { partner: [null, recruiterRef({ recruiter_id: partner.id, display_name: partner.display_name })] },
          },
          trx,
        );
        return { status: 201, body: sharingOf(job.id, await jobRecruiters.of(job.id, trx)) };
      });
    },
  );

  route(
    router,
    registry,
    {
      method: 'delete',
      path: '/jobs/:id/partners/:recruiterId',
      summary: 'Stop sharing a job you hold with a partner (its holder); a recruiter who is not a partner changes nothing',
      params: jobPartnerParams,
      roles: ['recruiter'],
      responses: {
        200: { description: 'The holder and the remaining partners', schema: jobSharingDto },
        403: { description: 'The caller sees the job but does not hold it' },
        404: { description: 'No such job, or not one the caller may see' },
        409: { description: 'The job is closed' },
      },
    },
    async ({ params, res }) => {
      const actor = actorOf(res);
      const sharing = await withTransaction(db, async (trx) => {
        const { job, rows } = await lockAsHolder(actor, params.id, trx);
        const partner = rows.find((r) => r.relation === 'partner' && r.recruiter_id === params.recruiterId);
        if (!partner) return sharingOf(job.id, rows);
        await jobRecruiters.remove(job.id, partner.recruiter_id, trx);
        await jobs.recordChange(
          {
            job_id: job.id,
            actor_user_id: actor.userId,
            actor_role: actor.role,
            change: 'partner_removed',
            changes: { partner: [recruiterRef(partner), null] },
          },
          trx,
        );
        return sharingOf(job.id, await jobRecruiters.of(job.id, trx));
      });
      return { status: 200, body: sharing };
    },
  );

  return router;
}
