import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../lib/db.js';
import { jobsDal, type JobRecord, type RankedJob } from '../../db/dal/jobs.js';
import { namesDal } from '../../db/dal/names.js';
import { withTransaction } from '../../db/dal/once.js';
import {
  ATS_EDITABLE_JOB_FIELDS,
  JOB_COMMANDS,
  jobCommandRefusal,
  type JobCommand,
  type JobStatus,
  type RemoteMode,
} from '../../domain/jobs.js';
import { actorOf, type AuthedActor } from '../auth.js';
import { conflict, notFound } from '../errors.js';
import type { Operation } from '../openapi.js';
import { decodeCursor, decodeRankCursor, encodeRankCursor, page } from '../pagination.js';
import { route } from '../routing.js';
import { idParams, pageOf, pageQuery } from '../schemas/common.js';
import { jobChangeDto, jobCreateBody, jobDto, jobListQuery, jobPatchBody } from './jobs.schemas.js';

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

const dto = (j: JobRecord | RankedJob, companyName: string | null): JobDto => ({
  id: j.id,
  companyId: j.company_id,
  companyName,
  status: j.status as JobStatus,
  ...fieldsOf(j),
  atsSynced: j.source_integration_id !== null,
  createdAt: j.created_at.toISOString(),
  updatedAt: j.updated_at.toISOString(),
  ...('rank' in j ? { rank: j.rank } : {}),
});

const COMMAND_CHANGE = { open: 'opened', pause: 'paused', close: 'closed' } as const;

/**
 * Jobs without an ATS (product §3.8): company admins post, edit, open, pause and close their
 * company's jobs; recruiters browse and search the open jobs companies share; every change
 * is audited in `job_changes`.
 */
export function jobRoutes({ db, registry }: { db: Db; registry: Operation[] }): Router {
  const router = Router();
  const jobs = jobsDal(db);
  const names = namesDal(db);

  const withNames = async (rows: (JobRecord | RankedJob)[]) => {
    const companies = await names.companies(rows.map((r) => r.company_id));
    return (j: JobRecord | RankedJob) => dto(j, companies.get(j.company_id) ?? null);
  };

  /** A job the actor may see: their company's (company users), a shared one (recruiters), any (platform admins); else 404. */
  const visible = (actor: AuthedActor, job: JobRecord | undefined): JobRecord => {
    if (!job) throw notFound('job');
    if (isCompanyUser(actor) && job.company_id !== actor.companyId) throw notFound('job');
    if (actor.role === 'recruiter' && !job.shared_with_marketplace) throw notFound('job');
    return job;
  };

  /** Locks the admin's company's job for a change (another company's is a 404). */
  const lockOwn = async (actor: AuthedActor, id: string, trx: Parameters<typeof jobs.find>[1]) =>
    visible(actor, await jobs.find(id, trx, { lock: true }));

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/jobs',
      summary:
        "Jobs: company users see their company's in every status, recruiters the open jobs shared with the marketplace, platform admins all; `q` searches them",
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
      };
      if (query.q) {
        const rows = await jobs.search(query.q, { ...filter, after: decodeRankCursor(query.cursor), limit: query.limit + 1 });
        const visibleRows = rows.slice(0, query.limit);
        const last = visibleRows[visibleRows.length - 1];
        const toDto = await withNames(visibleRows);
        return {
          status: 200,
          body: {
            data: visibleRows.map(toDto),
            nextCursor: rows.length > query.limit && last ? encodeRankCursor(last.rank, last.id) : null,
          },
        };
      }
      const rows = await jobs.list({ ...filter, before: decodeCursor(query.cursor), limit: query.limit + 1 });
      return { status: 200, body: page(rows, query.limit, await withNames(rows)) };
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
      return { status: 201, body: (await withNames([created]))(created) };
    },
  );

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/jobs/:id',
      summary: 'One job, as its company, a recruiter (shared jobs) or a platform admin sees it',
      params: idParams,
      responses: { 200: { description: 'The job', schema: jobDto }, 404: { description: 'No such job, or not one the caller may see' } },
    },
    async ({ params, res }) => {
      const job = visible(actorOf(res), await jobs.find(params.id));
      return { status: 200, body: (await withNames([job]))(job) };
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
      return { status: 200, body: (await withNames([updated]))(updated) };
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
        return { status: 200, body: (await withNames([updated]))(updated) };
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
      const job = visible(actorOf(res), await jobs.find(params.id));
      const rows = await jobs.changes(job.id, { before: decodeCursor(query.cursor, 'serial'), limit: query.limit + 1 });
      const people = await names.people(rows.map((r) => r.actor_user_id));
      return {
        status: 200,
        body: page(
          rows,
          query.limit,
          (c) => ({
            id: c.id,
            change: c.change as z.infer<typeof jobChangeDto>['change'],
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

  return router;
}
