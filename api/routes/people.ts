import { Router, type Request } from 'express';
import type { Resend } from 'resend';
import type { z } from 'zod';
import type { Db, Executor } from '../../lib/db.js';
import { emailLogDal } from '../../db/dal/email-log.js';
import { namesDal } from '../../db/dal/names.js';
import { withTransaction } from '../../db/dal/once.js';
import { peopleDal, type PeopleChangeRecord, type PersonRecord } from '../../db/dal/people.js';
import { signInDal } from '../../db/dal/sign-in.js';
import { COMPANY_ROLES, type CompanyRole, type PeopleChange, personStatus } from '../../domain/people.js';
import { actorOf, newSecret, sha256, type AuthedActor } from '../auth.js';
import { ApiError, badRequest, notFound, unavailable, unprocessable } from '../errors.js';
import type { Operation } from '../openapi.js';
import { decodeCursor, page } from '../pagination.js';
import { route } from '../routing.js';
import { idParams, pageOf } from '../schemas/common.js';
import {
  companiesQuery,
  companyCreateBody,
  companyCreatedDto,
  companySummaryDto,
  deactivateBody,
  emptyDto,
  invitationBody,
  peopleListQuery,
  personChangesDto,
  personDto,
  recruiterInvitationBody,
  roleBody,
} from './people.schemas.js';

type PersonDto = z.infer<typeof personDto>;

export interface PeopleSettings {
  /** Where the web app is served: an invitation opens `<publicUrl>/#/sign-in/verify?token=…`, as a sign-in link does. */
  publicUrl: string;
  invitationTtlSeconds: number;
  /** The sign-in links' limits: a resent invitation counts as a link requested for its address, from the admin's IP. */
  rateLimit: { perEmail: number; perIp: number; windowSeconds: number };
  email?: { resend: Resend; from: string };
}

const ROLE_LABEL: Record<string, string> = {
  company_admin: 'a company admin',
  hiring_manager: 'a hiring manager',
  recruiter: 'a recruiter',
  platform_admin: 'a platform admin',
};

const ADMINS = ['company_admin', 'platform_admin'] as const;
const PLATFORM = ['platform_admin'] as const;

const emailTaken = () => new ApiError(409, 'email_taken', 'this e-mail address already belongs to an account');
const lastAdmin = () =>
  new ApiError(409, 'last_admin', 'this is the last active company admin of the company: make someone else an admin first');
const clientIp = (req: Request) => req.ip ?? req.socket.remoteAddress ?? 'unknown';

/**
 * People management (product §3.10): company admins invite their colleagues, change their
 * role, deactivate and reactivate them; platform admins do so for every company, create
 * companies with their first admin and onboard recruiters. Every change is in `people_changes`.
 */
export function peopleRoutes({ db, registry, settings }: { db: Db; registry: Operation[]; settings: PeopleSettings }): Router {
  const router = Router();
  const people = peopleDal(db);
  const names = namesDal(db);
  const emailLog = emailLogDal(db);
  const signIn = signInDal(db);

  const toDtos = async (rows: PersonRecord[]) => {
    const inviters = await names.people(rows.map((r) => r.invited_by_user_id));
    return (p: PersonRecord): PersonDto => ({
      id: p.id,
      name: p.name,
      email: p.email,
      role: p.role,
      companyId: p.company_id,
      companyName: p.company_name,
      recruiterId: p.recruiter_id,
      status: personStatus(p),
      invitedAt: p.invited_at?.toISOString() ?? null,
      invitedByName: p.invited_by_user_id ? (inviters.get(p.invited_by_user_id) ?? null) : null,
      lastSignedInAt: p.last_signed_in_at?.toISOString() ?? null,
      deactivatedAt: p.deactivated_at?.toISOString() ?? null,
      createdAt: p.created_at.toISOString(),
    });
  };
  const dtoOf = async (id: string) => {
    const row = (await people.find(id))!;
    return (await toDtos([row]))(row);
  };

  /** A person the actor may manage: their own company's (company admin), anyone (platform admin); else 404. */
  const visible = (actor: AuthedActor, person: PersonRecord | undefined): PersonRecord => {
    if (!person) throw notFound('person');
    if (actor.role !== 'platform_admin' && (person.company_id === null || person.company_id !== actor.companyId)) throw notFound('person');
    return person;
  };

  /** Locks the person (and their company first, so its admins are judged one change at a time). */
  const lockVisible = async (actor: AuthedActor, id: string, trx: Executor) => {
    const person = visible(actor, await people.find(id, trx));
    if (person.company_id) await people.lockCompany(person.company_id, trx);
    return visible(actor, await people.find(id, trx, { lock: true }));
  };

  const isActiveAdmin = (p: PersonRecord) => p.role === 'company_admin' && personStatus(p) === 'active';

  const change = (
    actor: AuthedActor,
    person: { id: string; company_id: string | null },
    kind: PeopleChange,
    values: Pick<PeopleChangeRecord, 'old' | 'new'> & { reason?: string | null },
    trx: Executor,
  ) =>
    people.recordChange(
      {
        user_id: person.id,
        company_id: person.company_id,
        actor_user_id: actor.userId,
        actor_role: actor.role,
        change: kind,
        old: values.old,
        new: values.new,
        reason: values.reason ?? null,
      },
      trx,
    );

  const requireEmail = () => {
    if (!settings.email) throw unavailable('email_not_configured', 'invitations cannot be sent: e-mail is not configured');
    return settings.email;
  };

  interface Invitation {
    key: string;
    to: string;
    subject: string;
    text: string;
  }

  /**
   * A new invitation link for the user, its e-mail recorded in `email_log` (in `trx`, before it
   * is sent) under the key Resend also gets as its Idempotency-Key.
   */
  const prepareInvitation = async (
    actor: AuthedActor,
    user: { id: string; name: string; email: string; role: string; companyName: string | null },
    req: Request,
    trx: Executor,
  ): Promise<Invitation> => {
    const token = newSecret();
    const linkId = await people.createInvitationLink(
      { user_id: user.id, token_hash: sha256(token), ttlSeconds: settings.invitationTtlSeconds, requested_ip: clientIp(req) },
      trx,
    );
    const inviter = (await names.people([actor.userId])).get(actor.userId) ?? 'A Splits administrator';
    const link = `${settings.publicUrl.replace(/\/+$/, '')}/#/sign-in/verify?token=${token}`;
    const days = Math.round(settings.invitationTtlSeconds / 86_400);
    const where = user.companyName ? `${user.companyName} on Splits` : 'the Splits marketplace';
    const subject = `${inviter} invited you to ${where}`;
    const text =
      `Hello ${user.name},\n\n${inviter} invited you to ${where} as ${ROLE_LABEL[user.role] ?? user.role}.\n\n` +
      `Accept the invitation by signing in with this link:\n\n${link}\n\n` +
      `It works once, within ${days > 0 ? `${days} days` : `${Math.round(settings.invitationTtlSeconds / 3600)} hours`}. ` +
      `Afterwards, sign in with your e-mail address (${user.email}) on the sign-in page.\n`;
    const key = `invitation-${linkId}`;
    await emailLog.record(
      { idempotency_key: key, template: 'invitation', recipients: [user.email], subject, provider_message_id: null },
      trx,
    );
    return { key, to: user.email, subject, text };
  };

  /** Sends a recorded invitation (after its transaction committed); a failure is logged, and the invitation can be resent. */
  const send = async (invitation: Invitation, req: Request) => {
    const email = requireEmail();
    try {
      const { data, error } = await email.resend.emails.send(
        {
          from: email.from,
          to: [invitation.to],
          subject: invitation.subject,
          text: invitation.text,
          tags: [{ name: 'template', value: 'invitation' }],
        },
        { idempotencyKey: invitation.key },
      );
      if (error) req.log.error({ err: error, key: invitation.key }, 'invitation e-mail not sent');
      else await emailLog.setProviderMessageId(invitation.key, data.id);
    } catch (err) {
      req.log.error({ err, key: invitation.key }, 'invitation e-mail not sent');
    }
  };

  /** Creates an invited user (and a recruiter profile or a company when asked), audited, with their invitation recorded. */
  const invite = async (
    actor: AuthedActor,
    who: { name: string; email: string; role: 'company_admin' | 'hiring_manager' | 'recruiter'; companyId: string | null },
    req: Request,
    trx: Executor,
    extra: { displayName?: string; companyName?: string | null } = {},
  ) => {
    const id = await people.insertInvited(
      { email: who.email, name: who.name, role: who.role, company_id: who.companyId, invited_by_user_id: actor.userId },
      trx,
    );
    if (!id) throw emailTaken();
    const recruiterId =
      who.role === 'recruiter'
        ? await people.insertRecruiterProfile({ user_id: id, display_name: extra.displayName ?? who.name }, trx)
        : null;
    await change(
      actor,
      { id, company_id: who.companyId },
      'invited',
      {
        old: null,
        new: { name: who.name, email: who.email, role: who.role, ...(recruiterId ? { displayName: extra.displayName ?? who.name } : {}) },
      },
      trx,
    );
    const invitation = await prepareInvitation(actor, { id, ...who, companyName: extra.companyName ?? null }, req, trx);
    return { id, invitation };
  };

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/people',
      summary: "People: a company admin sees their company's (the companyId filter is ignored), a platform admin everyone",
      roles: [...ADMINS],
      query: peopleListQuery,
      responses: {
        200: { description: 'A page of people, newest first', schema: pageOf(personDto) },
        400: { description: 'Invalid filter or cursor' },
      },
    },
    async ({ query, res }) => {
      const actor = actorOf(res);
      const companyId = actor.role === 'platform_admin' ? query.companyId : actor.companyId!;
      const rows = await people.list({ ...query, companyId, before: decodeCursor(query.cursor), limit: query.limit + 1 });
      return { status: 200, body: page(rows, query.limit, await toDtos(rows)) };
    },
  );

  route(
    router,
    registry,
    {
      method: 'post',
      path: '/people/invitations',
      summary:
        'Invite a company admin or hiring manager by e-mail (a platform admin names the company); audited; accepts an Idempotency-Key',
      roles: [...ADMINS],
      body: invitationBody,
      responses: {
        201: { description: 'The invited person (the invitation e-mail is on its way)', schema: personDto },
        400: { description: 'Invalid invitation (a platform admin without companyId included)' },
        404: { description: 'No such company' },
        409: { description: 'The address already belongs to an account (email_taken)' },
        503: { description: 'E-mail is not configured' },
      },
    },
    async ({ body, req, res }) => {
      const actor = actorOf(res);
      let companyId: string;
      if (actor.role === 'platform_admin') {
        if (!body.companyId) throw badRequest('a platform admin names the company', [{ path: ['companyId'], message: 'required' }]);
        companyId = body.companyId;
      } else {
        if (body.companyId !== undefined && body.companyId !== actor.companyId) throw notFound('company');
        companyId = actor.companyId!;
      }
      requireEmail();
      const { id, invitation } = await withTransaction(db, async (trx) => {
        const companyName = (await names.companies([companyId])).get(companyId);
        if (companyName === undefined) throw notFound('company');
        return invite(actor, { name: body.name, email: body.email, role: body.role, companyId }, req, trx, { companyName });
      });
      await send(invitation, req);
      return { status: 201, body: await dtoOf(id) };
    },
  );

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/people/:id',
      summary: 'One person (a company admin: of their company)',
      roles: [...ADMINS],
      params: idParams,
      responses: { 200: { description: 'The person', schema: personDto }, 404: { description: 'No such person (or another company’s)' } },
    },
    async ({ params, res }) => {
      const person = visible(actorOf(res), await people.find(params.id));
      return { status: 200, body: (await toDtos([person]))(person) };
    },
  );

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/people/:id/changes',
      summary: "A person's audit: invitations, role changes, deactivations, first sign-in; newest first",
      roles: [...ADMINS],
      params: idParams,
      responses: { 200: { description: 'The changes', schema: personChangesDto }, 404: { description: 'No such person' } },
    },
    async ({ params, res }) => {
      visible(actorOf(res), await people.find(params.id));
      const rows = await people.changes(params.id);
      const actors = await names.people(rows.map((r) => r.actor_user_id));
      return {
        status: 200,
        body: {
          items: rows.map((r) => ({
            id: String(r.id),
            change: r.change,
            actorName: (r.actor_user_id && actors.get(r.actor_user_id)) || 'Unknown user',
            actorRole: r.actor_role,
            old: r.old,
            new: r.new,
            reason: r.reason,
            occurredAt: r.occurred_at.toISOString(),
          })),
        },
      };
    },
  );

  route(
    router,
    registry,
    {
      method: 'post',
      path: '/people/:id/resend-invitation',
      summary:
        'E-mail a new invitation link to a person who has not signed in yet (earlier links stop working); rate-limited like sign-in links',
      roles: [...ADMINS],
      params: idParams,
      responses: {
        202: { description: 'The new invitation is on its way', schema: emptyDto },
        404: { description: 'No such person' },
        409: { description: 'The person is not (or no longer) invited (not_invited)' },
        429: { description: 'Too many links for this address or from this IP (Retry-After says when to try again)' },
        503: { description: 'E-mail is not configured' },
      },
    },
    async ({ params, req, res }) => {
      const actor = actorOf(res);
      const person = visible(actor, await people.find(params.id));
      const notInvited = () =>
        new ApiError(409, 'not_invited', `this person is ${personStatus(person)}: only a pending invitation is resent`);
      if (personStatus(person) !== 'invited') throw notInvited();
      requireEmail();
      const retryAfter = await signIn.admitSignInRequest(
        { emailHash: sha256(person.email.toLowerCase()), ip: clientIp(req) },
        settings.rateLimit,
      );
      if (retryAfter !== null) {
        res.setHeader('Retry-After', String(retryAfter));
        throw new ApiError(429, 'rate_limited', `too many links for this address: try again in ${retryAfter} s`, {
          retryAfterSeconds: retryAfter,
        });
      }
      const invitation = await withTransaction(db, async (trx) => {
        const locked = await lockVisible(actor, params.id, trx);
        if (personStatus(locked) !== 'invited') throw notInvited();
        await change(actor, locked, 'invitation_resent', { old: null, new: null }, trx);
        return prepareInvitation(
          actor,
          { id: locked.id, name: locked.name, email: locked.email, role: locked.role, companyName: locked.company_name },
          req,
          trx,
        );
      });
      await send(invitation, req);
      return { status: 202, body: {} };
    },
  );

  route(
    router,
    registry,
    {
      method: 'patch',
      path: '/people/:id',
      summary: "Change a company user's role (company admin ↔ hiring manager); the last active company admin stays one",
      roles: [...ADMINS],
      params: idParams,
      body: roleBody,
      responses: {
        200: { description: 'The person (unchanged, and nothing audited, when the role is the same)', schema: personDto },
        404: { description: 'No such person' },
        409: { description: 'The last active company admin of the company (last_admin)' },
        422: { description: 'Recruiters and platform admins keep their role (role_not_changeable)' },
      },
    },
    async ({ params, body, res }) => {
      const actor = actorOf(res);
      await withTransaction(db, async (trx) => {
        const person = await lockVisible(actor, params.id, trx);
        if (!(COMPANY_ROLES as readonly string[]).includes(person.role)) {
          throw unprocessable(`a ${person.role.replace('_', ' ')}'s role is not changed here`, 'role_not_changeable');
        }
        if (person.role === body.role) return;
        if (isActiveAdmin(person) && (await people.otherActiveAdmins(person.company_id!, person.id, trx)) === 0) throw lastAdmin();
        await people.setRole(person.id, body.role, trx);
        await change(actor, person, 'role_changed', { old: { role: person.role as CompanyRole }, new: { role: body.role } }, trx);
      });
      return { status: 200, body: await dtoOf(params.id) };
    },
  );

  route(
    router,
    registry,
    {
      method: 'post',
      path: '/people/:id/deactivate',
      summary:
        'Deactivate a person: at once, in one transaction, their sessions, API keys and unused links are revoked; audited with the reason',
      roles: [...ADMINS],
      params: idParams,
      body: deactivateBody,
      responses: {
        200: { description: 'The deactivated person', schema: personDto },
        404: { description: 'No such person' },
        409: { description: 'Already deactivated (already_deactivated), or the last active company admin (last_admin)' },
        422: { description: 'You cannot deactivate yourself (cannot_deactivate_self)' },
      },
    },
    async ({ params, body, res }) => {
      const actor = actorOf(res);
      await withTransaction(db, async (trx) => {
        const person = await lockVisible(actor, params.id, trx);
        if (person.id === actor.userId) throw unprocessable('you cannot deactivate yourself', 'cannot_deactivate_self');
        if (person.deactivated_at) throw new ApiError(409, 'already_deactivated', 'this person is already deactivated');
        if (isActiveAdmin(person) && (await people.otherActiveAdmins(person.company_id!, person.id, trx)) === 0) throw lastAdmin();
        const revoked = await people.deactivate(person.id, trx);
        await change(
          actor,
          person,
          'deactivated',
          {
            old: { status: personStatus(person) },
            new: { status: 'deactivated', sessionsRevoked: revoked.sessions, apiKeysRevoked: revoked.apiKeys, linksRevoked: revoked.links },
            reason: body.reason ?? null,
          },
          trx,
        );
      });
      return { status: 200, body: await dtoOf(params.id) };
    },
  );

  route(
    router,
    registry,
    {
      method: 'post',
      path: '/people/:id/reactivate',
      summary: 'Reactivate a person: they sign in again by link (their old sessions and keys stay revoked)',
      roles: [...ADMINS],
      params: idParams,
      responses: {
        200: { description: 'The person, active (or invited, if they never signed in)', schema: personDto },
        404: { description: 'No such person' },
        409: { description: 'The person is not deactivated (not_deactivated)' },
      },
    },
    async ({ params, res }) => {
      const actor = actorOf(res);
      await withTransaction(db, async (trx) => {
        const person = await lockVisible(actor, params.id, trx);
        if (!person.deactivated_at) throw new ApiError(409, 'not_deactivated', 'this person is not deactivated');
        await people.reactivate(person.id, trx);
        await change(
          actor,
          person,
          'reactivated',
          { old: { status: 'deactivated' }, new: { status: personStatus({ ...person, deactivated_at: null }) } },
          trx,
        );
      });
      return { status: 200, body: await dtoOf(params.id) };
    },
  );

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/companies',
      summary: 'Companies, newest first, with their active admins and jobs counted (platform admin)',
      roles: [...PLATFORM],
      query: companiesQuery,
      responses: { 200: { description: 'A page of companies', schema: pageOf(companySummaryDto) }, 400: { description: 'Invalid cursor' } },
    },
    async ({ query }) => {
      const rows = await people.companies({ before: decodeCursor(query.cursor), limit: query.limit + 1 });
      return {
        status: 200,
        body: page(rows, query.limit, (c) => ({
          id: c.id,
          name: c.name,
          createdAt: c.created_at.toISOString(),
          activeAdmins: Number(c.active_admins),
          jobs: Number(c.jobs),
        })),
      };
    },
  );

  route(
    router,
    registry,
    {
      method: 'post',
      path: '/companies',
      summary: 'Create a company and invite its first company admin, in one transaction (platform admin); accepts an Idempotency-Key',
      roles: [...PLATFORM],
      body: companyCreateBody,
      responses: {
        201: { description: 'The company and its invited first admin', schema: companyCreatedDto },
        400: { description: 'Invalid company' },
        409: { description: "The first admin's address already belongs to an account (email_taken): no company is created" },
        503: { description: 'E-mail is not configured' },
      },
    },
    async ({ body, req, res }) => {
      const actor = actorOf(res);
      requireEmail();
      const { company, id, invitation } = await withTransaction(db, async (trx) => {
        const company = await people.insertCompany(body.name, trx);
        const invited = await invite(actor, { ...body.firstAdmin, role: 'company_admin', companyId: company.id }, req, trx, {
          companyName: company.name,
        });
        // In the first admin's audit: the company was created with them as its first admin.
        await change(actor, { id: invited.id, company_id: company.id }, 'company_created', { old: null, new: { name: company.name } }, trx);
        return { company, ...invited };
      });
      await send(invitation, req);
      return {
        status: 201,
        body: { company: { id: company.id, name: company.name, createdAt: company.created_at.toISOString() }, firstAdmin: await dtoOf(id) },
      };
    },
  );

  route(
    router,
    registry,
    {
      method: 'post',
      path: '/recruiters/invitations',
      summary:
        'Onboard a recruiter: creates the user and their recruiter profile and e-mails the invitation (platform admin); accepts an Idempotency-Key',
      roles: [...PLATFORM],
      body: recruiterInvitationBody,
      responses: {
        201: { description: 'The invited recruiter', schema: personDto },
        400: { description: 'Invalid invitation' },
        409: { description: 'The address already belongs to an account (email_taken)' },
        503: { description: 'E-mail is not configured' },
      },
    },
    async ({ body, req, res }) => {
      const actor = actorOf(res);
      requireEmail();
      const { id, invitation } = await withTransaction(db, (trx) =>
        invite(actor, { name: body.name, email: body.email, role: 'recruiter', companyId: null }, req, trx, {
          displayName: body.displayName,
        }),
      );
      await send(invitation, req);
      return { status: 201, body: await dtoOf(id) };
    },
  );

  return router;
}
