import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../lib/db.js';
import { namesDal } from '../../db/dal/names.js';
import { withTransaction } from '../../db/dal/once.js';
import { termsDal, type TermsChange, type TermsHistory } from '../../db/dal/terms.js';
import {
  PLATFORM_ADMIN_TERMS,
  TERMS,
  TERM_NAMES,
  effectiveTerms,
  type CompanyTerms,
  type TermName,
  type Terms,
} from '../../domain/terms.js';
import { actorOf, type AuthedActor } from '../auth.js';
import { forbidden, notFound } from '../errors.js';
import type { Operation } from '../openapi.js';
import { decodeCursor, page } from '../pagination.js';
import { route } from '../routing.js';
import { idParams, pageOf, pageQuery } from '../schemas/common.js';
import { companyTermsDto, companyTermsPatchBody, marketplaceTermsDto, marketplaceTermsPatchBody, termsChangeDto } from './terms.schemas.js';

type CompanyTermsDto = z.infer<typeof companyTermsDto>;
type MarketplaceTermsDto = z.infer<typeof marketplaceTermsDto>;
type ChangeDto = z.infer<typeof termsChangeDto>;

/** The given terms of a PATCH body (without its reason). */
const termsOf = <T>(body: Partial<Record<TermName, T>>): Partial<Record<TermName, T>> =>
  Object.fromEntries(TERM_NAMES.filter((t) => body[t] !== undefined).map((t) => [t, body[t]]));

/** A term's label and limits, as the web app shows them. */
function info(term: TermName) {
  const spec = TERMS[term];
  return {
    label: spec.label,
    limits: spec.kind === 'choice' ? { values: [...spec.values] } : { min: spec.min, max: spec.max, unit: spec.unit },
  };
}

function companyDto(companyId: string, companyName: string, own: CompanyTerms, defaults: Terms): CompanyTermsDto {
  const terms = Object.fromEntries(
    TERM_NAMES.map((t) => [
      t,
      {
        value: own[t] ?? defaults[t],
        source: own[t] === null ? 'marketplace' : 'company',
        companyValue: own[t],
        marketplaceDefault: defaults[t],
        platformAdminOnly: PLATFORM_ADMIN_TERMS.includes(t),
        ...info(t),
      },
    ]),
  );
  return { companyId, companyName, terms: terms as CompanyTermsDto['terms'] };
}

const marketplaceDto = (defaults: Terms): MarketplaceTermsDto => ({
  terms: Object.fromEntries(TERM_NAMES.map((t) => [t, { value: defaults[t], ...info(t) }])) as MarketplaceTermsDto['terms'],
});

const isCompanyUser = (a: AuthedActor) => a.role === 'company_admin' || a.role === 'hiring_manager';

/**
 * Company terms and marketplace defaults (product §3.11): company users read their company's
 * terms, company admins change them (not the platform fee), platform admins change any
 * company's and the marketplace defaults. Each changed term is one `terms_changes` row; a
 * change that changes nothing writes none. A process reads the terms when it starts, so a
 * change applies to processes started after it.
 */
export function termsRoutes({ db, registry }: { db: Db; registry: Operation[] }): Router {
  const router = Router();
  const terms = termsDal(db);
  const names = namesDal(db);

  /** The company's own terms if the actor may see them (their own company; any for platform admins), else 404. */
  const visibleCompany = async (actor: AuthedActor, companyId: string, trx: Parameters<typeof terms.company>[1] = db, lock = false) => {
    if (isCompanyUser(actor) && actor.companyId !== companyId) throw notFound('company');
    const own = await terms.company(companyId, trx, { lock });
    if (!own) throw notFound('company');
    return own;
  };

  const companyView = async (companyId: string, own: CompanyTerms, defaults: Terms) =>
    companyDto(companyId, (await names.companies([companyId])).get(companyId) ?? '', own, defaults);

  const changesPage = async (history: TermsHistory, query: { limit: number; cursor?: string }) => {
    const rows = await terms.changes(history, { before: decodeCursor(query.cursor, 'serial'), limit: query.limit + 1 });
    const people = await names.people(rows.map((r) => r.actor_user_id));
    return page(
      rows,
      query.limit,
      (c: TermsChange): ChangeDto => ({
        id: c.id,
        scope: c.scope,
        companyId: c.company_id,
        term: c.term,
        oldValue: c.old_value as ChangeDto['oldValue'],
        newValue: c.new_value as ChangeDto['newValue'],
        oldEffective: c.old_effective as ChangeDto['oldEffective'],
        newEffective: c.new_effective as ChangeDto['newEffective'],
        actorUserId: c.actor_user_id,
        actorName: c.actor_user_id ? (people.get(c.actor_user_id) ?? null) : null,
        actorRole: c.actor_role,
        reason: c.reason,
        occurredAt: c.occurred_at.toISOString(),
      }),
      'occurred_at',
    );
  };

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/companies/:id/terms',
      summary:
        "A company's terms: each term's value for processes started from now on, and whether it is the company's own or the marketplace default (its users and platform admins)",
      params: idParams,
      roles: ['company_admin', 'hiring_manager', 'platform_admin'],
      responses: {
        200: { description: "The company's terms", schema: companyTermsDto },
        404: { description: "No such company, or not the caller's" },
      },
    },
    async ({ params, res }) => {
      const own = await visibleCompany(actorOf(res), params.id);
      return { status: 200, body: await companyView(params.id, own, await terms.marketplace()) };
    },
  );

  route(
    router,
    registry,
    {
      method: 'patch',
      path: '/companies/:id/terms',
      summary:
        "Change a company's terms (its company admin, or a platform admin; the platform fee only a platform admin): only the terms given, `null` back to the marketplace default; running proposals and placements keep the terms they started with",
      params: idParams,
      body: companyTermsPatchBody,
      roles: ['company_admin', 'platform_admin'],
      responses: {
        200: { description: "The company's terms as changed", schema: companyTermsDto },
        400: { description: 'A term outside its limits, an unknown term, or nothing to change' },
        403: { description: 'A company admin setting the platform fee' },
        404: { description: "No such company, or not the caller's" },
      },
    },
    async ({ params, body, res }) => {
      const actor = actorOf(res);
      const wanted = termsOf<CompanyTerms[TermName]>(body);
      const adminOnly = PLATFORM_ADMIN_TERMS.filter((t) => wanted[t] !== undefined);
      if (adminOnly.length && actor.role !== 'platform_admin') {
        if (isCompanyUser(actor) && actor.companyId !== params.id) throw notFound('company');
        throw forbidden(`only a platform admin sets a company's ${adminOnly.join(', ')}`);
      }
      const result = await withTransaction(db, async (trx) => {
        const before = await visibleCompany(actor, params.id, trx, true);
        const defaults = await terms.marketplace(trx);
        const changed = (Object.keys(wanted) as TermName[]).filter((t) => wanted[t] !== before[t]);
        if (changed.length === 0) return { own: before, defaults };
        const after = { ...before, ...wanted } as CompanyTerms;
        await terms.setCompany(params.id, Object.fromEntries(changed.map((t) => [t, after[t]])), trx);
        const [was, now] = [effectiveTerms(before, defaults), effectiveTerms(after, defaults)];
        await terms.recordChanges(
          changed.map((t) => ({
            scope: 'company' as const,
            company_id: params.id,
            term: t,
            old_value: before[t],
            new_value: after[t],
            old_effective: was[t],
            new_effective: now[t],
            actor_user_id: actor.userId,
            actor_role: actor.role,
            reason: body.reason ?? null,
          })),
          trx,
        );
        return { own: after, defaults };
      });
      return { status: 200, body: await companyView(params.id, result.own, result.defaults) };
    },
  );

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/companies/:id/terms/changes',
      summary: "A company's terms audit: who changed which term, when, old → new, newest first (its users and platform admins)",
      params: idParams,
      query: z.strictObject({ ...pageQuery }),
      roles: ['company_admin', 'hiring_manager', 'platform_admin'],
      responses: {
        200: { description: 'A page of changes', schema: pageOf(termsChangeDto) },
        404: { description: "No such company, or not the caller's" },
      },
    },
    async ({ params, query, res }) => {
      await visibleCompany(actorOf(res), params.id);
      return { status: 200, body: await changesPage({ scope: 'company', companyId: params.id }, query) };
    },
  );

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/marketplace/terms',
      summary: "The marketplace's default terms, which every company without its own value has (platform admins)",
      roles: ['platform_admin'],
      responses: { 200: { description: 'The marketplace defaults', schema: marketplaceTermsDto } },
    },
    async () => ({ status: 200, body: marketplaceDto(await terms.marketplace()) }),
  );

  route(
    router,
    registry,
    {
      method: 'patch',
      path: '/marketplace/terms',
      summary:
        'Change marketplace defaults (platform admins): only the terms given; companies without their own value get them for processes started from now on',
      body: marketplaceTermsPatchBody,
      roles: ['platform_admin'],
      responses: {
        200: { description: 'The marketplace defaults as changed', schema: marketplaceTermsDto },
        400: { description: 'A term outside its limits, an unknown term, or nothing to change' },
      },
    },
    async ({ body, res }) => {
      const actor = actorOf(res);
      const wanted = termsOf<Terms[TermName]>(body);
      const after = await withTransaction(db, async (trx) => {
        const before = await terms.marketplace(trx, { lock: true });
        const changed = (Object.keys(wanted) as TermName[]).filter((t) => wanted[t] !== before[t]);
        if (changed.length === 0) return before;
        const next = { ...before, ...wanted } as Terms;
        await terms.setMarketplace(Object.fromEntries(changed.map((t) => [t, next[t]])), trx);
        await terms.recordChanges(
          changed.map((t) => ({
            scope: 'marketplace' as const,
            company_id: null,
            term: t,
            old_value: before[t],
            new_value: next[t],
            old_effective: before[t],
            new_effective: next[t],
            actor_user_id: actor.userId,
            actor_role: actor.role,
            reason: body.reason ?? null,
          })),
          trx,
        );
        return next;
      });
      return { status: 200, body: marketplaceDto(after) };
    },
  );

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/marketplace/terms/changes',
      summary: 'The marketplace defaults audit: who changed which default, when, old → new, newest first (platform admins)',
      query: z.strictObject({ ...pageQuery }),
      roles: ['platform_admin'],
      responses: { 200: { description: 'A page of changes', schema: pageOf(termsChangeDto) } },
    },
    async ({ query }) => ({ status: 200, body: await changesPage({ scope: 'marketplace' }, query) }),
  );

  return router;
}
