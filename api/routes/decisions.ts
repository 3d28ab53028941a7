import { randomUUID } from 'node:crypto';
import { Router, type Response } from 'express';
import { z } from 'zod';
import type { Db } from '../../lib/db.js';
import { namesDal } from '../../db/dal/names.js';
import { decisionsDal, type DecisionFilter, type DecisionRow } from '../../db/dal/decisions.js';
import { NOBODY, actorOf, requireRole, type AuthedActor } from '../auth.js';
import { conflict, notFound, unprocessable } from '../errors.js';
import type { Operation } from '../openapi.js';
import { decodeCursor, page } from '../pagination.js';
import { route } from '../routing.js';
import { csvLine } from '../csv.js';
import { assertStorableText } from '../text-guard.js';
import {
  aiDecisionBody,
  decisionDto,
  decisionExportQuery,
  decisionListQuery,
  decisionOverrideBody,
  decisionPageDto,
} from './decisions.schemas.js';

const serialParams = z.strictObject({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });

const core = (d: DecisionRow): Omit<z.infer<typeof decisionDto>, 'actorName' | 'companyName' | 'override'> => ({
  id: d.id,
  entityType: d.entity_type,
  entityId: d.entity_id,
  decisionType: d.decision,
  outcome: d.outcome,
  source: d.source,
  confidence: d.confidence === null ? null : Number(d.confidence),
  reasoning: d.reason,
  modelVersion: d.model_version,
  actorUserId: d.actor_user_id,
  actorRole: d.actor_role,
  companyId: d.company_id,
  overridesDecisionId: d.overrides_decision_id,
  details: d.details,
  occurredAt: d.occurred_at.toISOString(),
});

/** Which company an entity belongs to (null: the marketplace's), or undefined when it does not exist. */
const companyOfEntity = (db: Db, entityType: string, entityId: string): Promise<string | null | undefined> =>
  decisionsDal(db).companyOfEntity(entityType, entityId);

const EXPORT_COLUMNS = [
  'id',
  'occurredAt',
  'entityType',
  'entityId',
  'decisionType',
  'outcome',
  'source',
  'confidence',
  'reasoning',
  'modelVersion',
  'actorUserId',
  'actorRole',
  'companyId',
  'overridesDecisionId',
] as const;
const EXPORT_BATCH = 1000;

/**
 * The decision log (product §3.5): AI-suggested decisions with their confidence and
 * reasoning, human overrides beside them, and every admin / approval decision; list and
 * export (CSV / JSON) for compliance. Platform admins see all, company users their company's.
 */
export function decisionRoutes({ db, registry }: { db: Db; registry: Operation[] }): Router {
  const router = Router();
  const decisions = decisionsDal(db);
  const names = namesDal(db);
  const READERS = ['platform_admin', 'company_admin', 'hiring_manager'] as const;
  const scope = (actor: AuthedActor) => (actor.role === 'platform_admin' ? {} : { companyId: actor.companyId ?? NOBODY });
  const filterOf = (actor: AuthedActor, q: z.output<typeof decisionExportQuery>): DecisionFilter => ({
    ...q,
    from: q.from ? new Date(q.from) : undefined,
    to: q.to ? new Date(q.to) : undefined,
    ...scope(actor),
  });
  /** The DTO of each row, with its override and the names of who decided and for which company. */
  const withOverrides = async (rows: DecisionRow[]) => {
    const overrides = await decisions.overridesOf(rows.filter((r) => r.source === 'ai').map((r) => r.id));
    const all = [...rows, ...overrides.values()];
    const [people, companies] = await Promise.all([
      names.people(all.map((r) => r.actor_user_id)),
      names.companies(all.map((r) => r.company_id)),
    ]);
    const named = (d: DecisionRow) => ({
      ...core(d),
      actorName: people.get(d.actor_user_id ?? '') ?? null,
      companyName: companies.get(d.company_id ?? '') ?? null,
    });
    return (d: DecisionRow) => ({ ...named(d), override: overrides.has(d.id) ? named(overrides.get(d.id)!) : null });
  };

  route(
    router,
    registry,
    {
      method: 'post',
      path: '/decisions',
      summary: 'Record an AI-suggested decision (entity, type, confidence, reasoning, model version)',
      body: aiDecisionBody,
      roles: READERS,
      responses: {
        201: { description: 'The recorded decision', schema: decisionDto },
        404: { description: 'No such entity (or not yours)' },
      },
    },
    async ({ body, res }) => {
      const actor = actorOf(res);
      const companyId = await companyOfEntity(db, body.entityType, body.entityId);
      if (companyId === undefined || (actor.role !== 'platform_admin' && companyId !== actor.companyId)) throw notFound(body.entityType);
      // A retried request is answered by the Idempotency-Key middleware; each new one is a new decision.
      const stored = await decisions.insert({
        entity_type: body.entityType,
        entity_id: body.entityId,
        decision: body.decisionType,
        outcome: body.outcome,
        source: 'ai',
        confidence: body.confidence,
        reason: body.reasoning,
        model_version: body.modelVersion,
        actor_user_id: actor.userId,
        actor_role: actor.role,
        company_id: companyId,
        overrides_decision_id: null,
        details: body.details ?? null,
        occurred_at: new Date(),
        decision_key: `ai:${randomUUID()}`,
      });
      return { status: 201, body: (await withOverrides([stored!]))(stored!) };
    },
  );

  route(
    router,
    registry,
    {
      method: 'post',
      path: '/decisions/:id/override',
      summary: 'Record a human override beside an AI decision (one per decision)',
      params: serialParams,
      body: decisionOverrideBody,
      roles: READERS,
      responses: {
        201: { description: 'The AI decision with its override', schema: decisionDto },
        404: { description: 'No such decision' },
        409: { description: 'Already overridden' },
        422: { description: 'Not an AI decision' },
      },
    },
    async ({ params, body, res }) => {
      const actor = actorOf(res);
      const decision = await decisions.find(params.id);
      if (!decision || (actor.role !== 'platform_admin' && decision.company_id !== actor.companyId)) throw notFound('decision');
      if (decision.source !== 'ai') throw unprocessable('only AI decisions can be overridden', 'not_ai_decision');
      const override = await decisions.insert({
        entity_type: decision.entity_type,
        entity_id: decision.entity_id,
        decision: decision.decision,
        outcome: body.outcome,
        source: 'human',
        confidence: null,
        reason: body.reason,
        model_version: null,
        actor_user_id: actor.userId,
        actor_role: actor.role,
        company_id: decision.company_id,
        overrides_decision_id: decision.id,
        details: { aiOutcome: decision.outcome },
        occurred_at: new Date(),
        decision_key: `override:${decision.id}`,
      });
      if (!override) throw conflict('this decision has already been overridden');
      return { status: 201, body: (await withOverrides([decision]))(decision) };
    },
  );

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/decisions',
      summary: 'The decision log, newest first, each AI decision with its human override',
      query: decisionListQuery,
      roles: READERS,
      responses: { 200: { description: 'A page of decisions', schema: decisionPageDto } },
    },
    async ({ query, res }) => {
      const actor = actorOf(res);
      const rows = await decisions.list({
        ...filterOf(actor, { ...query, format: 'json' }),
        before: decodeCursor(query.cursor, 'serial'),
        limit: query.limit + 1,
      });
      return { status: 200, body: page(rows, query.limit, await withOverrides(rows.slice(0, query.limit)), 'occurred_at') };
    },
  );

  registry.push({
    method: 'get',
    path: '/decisions/export',
    summary: 'Export the (filtered) decision log as CSV or JSON, for compliance',
    query: decisionExportQuery,
    roles: READERS,
    responses: { 200: { description: 'text/csv or application/json, as a download' } },
  });
  router.get('/decisions/export', async (req, res: Response) => {
    const actor = requireRole(res, ...READERS);
    // Streamed, so not registered through route(): the same edge check on its query.
    assertStorableText({ query: req.query });
    const query = decisionExportQuery.parse(req.query);
    const filter = filterOf(actor, query);
    const csv = query.format === 'csv';
    res.status(200);
    res.setHeader('Content-Type', csv ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="decision-log.${query.format}"`);
    res.write(csv ? csvLine([...EXPORT_COLUMNS, 'overrideOutcome', 'overrideReason', 'overrideBy', 'overrideAt']) : '[');
    // Batches along the keyset, so a long log streams without being held in memory.
    let before: { createdAt: Date; id: string } | undefined;
    let first = true;
    for (;;) {
      const rows = await decisions.list({ ...filter, before, limit: EXPORT_BATCH });
      const dto = await withOverrides(rows);
      for (const row of rows) {
        const d = dto(row);
        res.write(
          csv
            ? csvLine([
                ...EXPORT_COLUMNS.map((c) => d[c]),
                d.override?.outcome,
                d.override?.reasoning,
                d.override?.actorUserId,
                d.override?.occurredAt,
              ])
            : `${first ? '' : ','}\n${JSON.stringify(d)}`,
        );
        first = false;
      }
      if (rows.length < EXPORT_BATCH) break;
      const last = rows[rows.length - 1]!;
      before = { createdAt: last.occurred_at, id: String(last.id) };
    }
    res.end(csv ? '' : '\n]\n');
  });

  return router;
}
