import { createHash } from 'node:crypto';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { z } from 'zod';
import type { Db } from '../../lib/db.js';
import { candidatesDal, prefixQuery, type CandidateFileRow, type CandidateProfileRow } from '../../db/dal/candidates.js';
import { blocks } from '../../db/dal/sourcing.js';
import {
  CANDIDATE_LIMITS,
  CV_CONTENT_TYPES,
  ERASED_NAME,
  mediaTypeOf,
  normalizeEmail,
  normalizePhone,
  sanitizeFilename,
  sniffCv,
  type CvType,
} from '../../domain/candidates.js';
import { actorOf, requireRole, type AuthedActor } from '../auth.js';
import { checkResponse, markOperation } from '../contract.js';
import { ApiError, badRequest, conflict, forbidden, notFound, protectedCandidate, unprocessable } from '../errors.js';
import type { Operation } from '../openapi.js';
import { route } from '../routing.js';
import { idParams, pageOf } from '../schemas/common.js';
import { assertStorableText } from '../text-guard.js';
import {
  candidateCreateBody,
  candidateEraseDto,
  candidateExportDto,
  candidateFileDto,
  candidateHitDto,
  candidateProfileDto,
  candidateSearchQuery,
  candidateUpdateBody,
  cvUploadQuery,
  type duplicateCandidateDetails,
} from './candidates.schemas.js';

type Profile = z.infer<typeof candidateProfileDto>;

const fileView = (f: CandidateFileRow): z.infer<typeof candidateFileDto> => ({
  id: f.id,
  fileName: f.original_filename,
  contentType: f.content_type as CvType,
  sizeBytes: f.size_bytes,
  sha256: f.sha256,
  createdAt: f.created_at.toISOString(),
});

/** Everyone who may see candidates sees the profile; notes are the adding recruiter's (and platform admins'). */
function profileView(c: CandidateProfileRow, cv: CandidateFileRow | undefined, actor: AuthedActor): Profile {
  const mine = !!c.created_by_recruiter_id && c.created_by_recruiter_id === actor.recruiterId;
  return {
    id: c.id,
    fullName: c.full_name,
    email: c.email,
    phone: c.phone,
    location: c.location,
    headline: c.headline,
    linkedinUrl: c.linkedin_url,
    notes: mine || actor.role === 'platform_admin' ? c.notes : null,
    skills: c.skills,
    createdByRecruiterId: c.created_by_recruiter_id,
    addedByYou: mine,
    fromAts: c.source_integration_id !== null,
    createdAt: c.created_at.toISOString(),
    updatedAt: c.updated_at.toISOString(),
    erasedAt: c.erased_at?.toISOString() ?? null,
    cv: cv ? fileView(cv) : null,
  };
}

/** Search cursor: the last hit's (rank, created_at, id); the rank as Postgres wrote it, so the comparison is exact. */
const encodeSearchCursor = (h: { rank: string; created_at: Date; id: string }) =>
  Buffer.from(JSON.stringify([h.rank, h.created_at.toISOString(), h.id])).toString('base64url');
function decodeSearchCursor(cursor: string | undefined): { rank: string; createdAt: Date; id: string } | undefined {
  if (cursor === undefined) return undefined;
  try {
    const [rank, at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string, string];
    const createdAt = new Date(at);
    if (
      typeof rank !== 'string' ||
      !/^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(rank) ||
      Number.isNaN(createdAt.getTime()) ||
      !/^[0-9a-f-]{36}$/i.test(id)
    )
      throw new Error();
    return { rank, createdAt, id };
  } catch {
    throw badRequest('invalid cursor', [{ path: ['cursor'], message: 'not a cursor returned by this API' }]);
  }
}

/** RFC 6266 / 5987: an ASCII fallback and the exact UTF-8 name. */
export function attachmentHeader(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/**
 * Candidates recruiters add themselves (product §3.9): create and edit with duplicate detection,
 * CV upload and download, full-text search, and the data-subject export and erasure.
 */
export function candidateProfileRoutes({ db, registry }: { db: Db; registry: Operation[] }): Router {
  const router = Router();
  const candidates = candidatesDal(db);

  const live = async (id: string) => {
    const c = await candidates.profile(id);
    if (!c || c.deleted_at) throw notFound('candidate');
    return c;
  };
  const withCv = async (c: CandidateProfileRow, actor: AuthedActor) => profileView(c, (await candidates.files(c.id))[0], actor);

  /** Who may change a candidate: the recruiter who added it, or a platform admin; ATS records are the ATS's, erased ones nobody's. */
  function mayEdit(c: CandidateProfileRow, actor: AuthedActor): void {
    if (c.source_integration_id) throw forbidden('this candidate is synced from an ATS and is read-only here');
    if (c.erased_at) throw conflict("this candidate's personal data was erased");
    if (actor.role !== 'platform_admin' && c.created_by_recruiter_id !== actor.recruiterId)
      throw forbidden('only the recruiter who added this candidate may change it');
  }

  /**
   * Duplicate detection inside the caller's transaction (keys locked): another live record with
   * the same e-mail or phone key → 409. One inside another recruiter's protection window is
   * answered as protected (its end, no owner, no record); otherwise the record to use instead.
   */
  async function refuseDuplicates(
    keys: { email: string | null; phone: string | null },
    exceptId: string | undefined,
    actor: AuthedActor,
    trx: Db,
  ) {
    await candidates.lockKeys([keys.email && `e:${keys.email}`, keys.phone && `p:${keys.phone}`], trx);
    const found = await candidates.duplicates(keys, exceptId, trx);
    if (!found.length) return;
    const now = new Date();
    const covered = found.find((c) => blocks(c.sourcer ?? undefined, actor.recruiterId, now));
    if (covered?.sourcer) throw protectedCandidate(covered.sourcer.protection_ends_at);
    const first = found[0]!;
    const matchedOn = [
      ...(keys.email && first.email_normalized === keys.email ? ['email' as const] : []),
      ...(keys.phone && first.phone_normalized === keys.phone ? ['phone' as const] : []),
    ];
    const details: z.infer<typeof duplicateCandidateDetails> = { candidateId: first.id, fullName: first.full_name, matchedOn };
    throw new ApiError(409, 'duplicate_candidate', `a candidate with the same ${matchedOn.join(' and ')} exists: use that record`, details);
  }

  const DUPLICATE_409 = {
    description:
      "A live candidate has the same normalised e-mail or phone (duplicate_candidate, details: the record to use), or that candidate is inside another recruiter's protection window (candidate_protected, details: protectedUntil only)",
  };

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/candidates/search',
      summary:
        'Full-text search of candidates by name, e-mail, skills and headline; best match first, keyset-paged (recruiters and platform admins)',
      query: candidateSearchQuery,
      roles: ['recruiter', 'platform_admin'],
      responses: { 200: { description: 'A page of hits', schema: pageOf(candidateHitDto) } },
    },
    async ({ query, res }) => {
      const actor = actorOf(res);
      const tsquery = prefixQuery(query.q);
      if (!tsquery) return { status: 200, body: { data: [], nextCursor: null } };
      const rows = await candidates.search({ tsquery, after: decodeSearchCursor(query.cursor), limit: query.limit + 1 });
      const visible = rows.slice(0, query.limit);
      return {
        status: 200,
        body: {
          data: visible.map((h) => ({
            id: h.id,
            fullName: h.full_name,
            email: h.email,
            headline: h.headline,
            skills: h.skills,
            rank: Number(h.rank),
            createdAt: h.created_at.toISOString(),
            addedByYou: !!h.created_by_recruiter_id && h.created_by_recruiter_id === actor.recruiterId,
          })),
          nextCursor: rows.length > query.limit ? encodeSearchCursor(visible[visible.length - 1]!) : null,
        },
      };
    },
  );

  route(
    router,
    registry,
    {
      method: 'post',
      path: '/candidates',
      summary: 'Add a candidate (recruiter); refused as a duplicate when a live candidate has the same e-mail or phone',
      body: candidateCreateBody,
      roles: ['recruiter'],
      responses: { 201: { description: 'The candidate, added by the caller', schema: candidateProfileDto }, 409: DUPLICATE_409 },
    },
    async ({ body, res }) => {
      const actor = actorOf(res);
      if (!actor.recruiterId) throw forbidden('this user has no recruiter profile');
      const recruiterId = actor.recruiterId;
      const keys = { email: normalizeEmail(body.email), phone: normalizePhone(body.phone) };
      const row = await db.transaction(async (trx) => {
        await refuseDuplicates(keys, undefined, actor, trx);
        return candidates.insert(
          {
            full_name: body.fullName,
            email: body.email ?? null,
            phone: body.phone ?? null,
            phone_normalized: keys.phone,
            location: body.location ?? null,
            headline: body.headline ?? null,
            linkedin_url: body.linkedinUrl ?? null,
            notes: body.notes ?? null,
            skills: body.skills ?? [],
            created_by_recruiter_id: recruiterId,
          },
          trx,
        );
      });
      return { status: 201, body: profileView(row, undefined, actor) };
    },
  );

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/candidates/:id/profile',
      summary:
        "A candidate's profile and latest CV metadata (recruiters and platform admins; notes only to the adding recruiter and platform admins)",
      params: idParams,
      roles: ['recruiter', 'platform_admin'],
      responses: { 200: { description: 'The profile', schema: candidateProfileDto }, 404: { description: 'No such candidate' } },
    },
    async ({ params, res }) => ({ status: 200, body: await withCv(await live(params.id), actorOf(res)) }),
  );

  route(
    router,
    registry,
    {
      method: 'patch',
      path: '/candidates/:id',
      summary: 'Edit a candidate (the recruiter who added it, or a platform admin); an empty string clears an optional field',
      params: idParams,
      body: candidateUpdateBody,
      roles: ['recruiter', 'platform_admin'],
      responses: {
        200: { description: 'The updated profile', schema: candidateProfileDto },
        403: { description: 'Added by another recruiter, or synced from an ATS (read-only)' },
        404: { description: 'No such candidate' },
        409: { description: `${DUPLICATE_409.description}; or the candidate was erased` },
      },
    },
    async ({ params, body, res }) => {
      const actor = actorOf(res);
      const current = await live(params.id);
      mayEdit(current, actor);
      const patch = {
        ...(body.fullName !== undefined && { full_name: body.fullName }),
        ...(body.email !== undefined && { email: body.email }),
        ...(body.phone !== undefined && { phone: body.phone, phone_normalized: normalizePhone(body.phone) }),
        ...(body.location !== undefined && { location: body.location }),
        ...(body.headline !== undefined && { headline: body.headline }),
        ...(body.linkedinUrl !== undefined && { linkedin_url: body.linkedinUrl }),
        ...(body.notes !== undefined && { notes: body.notes }),
        ...(body.skills !== undefined && { skills: body.skills }),
      };
      const row = await db.transaction(async (trx) => {
        const keys = {
          email: body.email !== undefined ? normalizeEmail(body.email) : null,
          phone: body.phone !== undefined ? normalizePhone(body.phone) : null,
        };
        // Only a changed key can make a new duplicate.
        await refuseDuplicates(
          {
            email: keys.email !== current.email_normalized ? keys.email : null,
            phone: keys.phone !== current.phone_normalized ? keys.phone : null,
          },
          current.id,
          actor,
          trx,
        );
        return candidates.update(current.id, patch, trx);
      });
      return { status: 200, body: await withCv(row, actor) };
    },
  );

  // CV upload: the raw bytes as the body (no multipart: Express 5 parses it only with a new dependency), streamed
  // through express.raw with the 5 MiB cap. Not through route(): the body is bytes, the answer JSON checked here.
  const uploadOp = {
    method: 'post',
    path: '/candidates/:id/cv',
    roles: ['recruiter', 'platform_admin'],
    params: idParams,
    query: cvUploadQuery,
    summary:
      'Upload a CV as the raw request body (Content-Type application/pdf, DOCX or text/plain; at most 5 MiB; ?filename=…); the recruiter who added the candidate, or a platform admin',
    responses: {
      201: { description: 'Stored; its metadata', schema: candidateFileDto },
      403: { description: 'Added by another recruiter, or synced from an ATS' },
      404: { description: 'No such candidate' },
      409: { description: 'The candidate was erased' },
      413: { description: 'Larger than 5 MiB (payload_too_large)' },
      415: { description: 'The declared Content-Type is not PDF, DOCX or plain text (unsupported_media_type)' },
      422: {
        description:
          'The bytes are not what the Content-Type declares (cv_content_mismatch: magic bytes, ZIP without word/document.xml, text that is not UTF-8 or holds NUL)',
      },
    },
  } as const satisfies Operation;
  registry.push(uploadOp);
  router.post(
    uploadOp.path,
    (_req: Request, res: Response, next: NextFunction) => {
      markOperation(res, uploadOp);
      // The role is checked before 5 MiB are read.
      requireRole(res, ...uploadOp.roles);
      next();
    },
    express.raw({ type: () => true, limit: CANDIDATE_LIMITS.cvBytes, inflate: false }),
    async (req: Request, res: Response) => {
      const actor = actorOf(res);
      assertStorableText({ params: req.params, query: req.query });
      const { id } = idParams.parse(req.params);
      const query = cvUploadQuery.parse(req.query);
      const c = await live(id);
      mayEdit(c, actor);
      const declared = mediaTypeOf(req.headers['content-type']);
      if (!(CV_CONTENT_TYPES as readonly string[]).includes(declared)) {
        throw new ApiError(415, 'unsupported_media_type', `a CV must be sent as ${CV_CONTENT_TYPES.join(', ')}`);
      }
      const bytes: unknown = req.body;
      if (!Buffer.isBuffer(bytes) || bytes.length === 0) throw badRequest('the CV is empty: send the file as the request body');
      const sniffed = sniffCv(bytes);
      if (sniffed !== declared) {
        throw unprocessable(
          `the file's content is ${sniffed ? `${sniffed}, not ${declared}` : `not a valid ${declared} file`}`,
          'cv_content_mismatch',
          { declared, detected: sniffed ?? null },
        );
      }
      const row = await candidates.insertFile({
        candidate_id: c.id,
        uploaded_by_user_id: actor.userId,
        original_filename: sanitizeFilename(query.filename),
        content_type: sniffed,
        size_bytes: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        content: bytes,
      });
      const result = { status: 201, body: fileView(row) };
      checkResponse(req, uploadOp, result);
      res.status(201).json(result.body);
    },
  );

  const downloadOp = {
    method: 'get',
    path: '/candidates/:id/cv',
    roles: ['recruiter', 'platform_admin'],
    params: idParams,
    summary: 'Download the latest CV as an attachment (the recruiter who added the candidate, or a platform admin)',
    responses: {
      200: { description: 'The file, as stored: its detected type, Content-Disposition attachment, nosniff' },
      403: { description: 'Added by another recruiter' },
      404: { description: 'No such candidate, or no CV' },
    },
  } as const satisfies Operation;
  registry.push(downloadOp);
  router.get(downloadOp.path, async (req: Request, res: Response) => {
    markOperation(res, downloadOp);
    const actor = requireRole(res, ...downloadOp.roles);
    assertStorableText({ params: req.params, query: req.query });
    const { id } = idParams.parse(req.params);
    const c = await live(id);
    if (actor.role !== 'platform_admin' && c.created_by_recruiter_id !== actor.recruiterId)
      throw forbidden('only the recruiter who added this candidate may download their CV');
    const file = await candidates.latestCv(c.id);
    if (!file) throw notFound('CV');
    // Never rendered by the browser: a download of the type we detected, not one it guesses.
    res.status(200);
    res.setHeader('Content-Type', file.content_type);
    res.setHeader('Content-Disposition', attachmentHeader(file.original_filename));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
    res.setHeader('Cache-Control', 'private, no-store');
    res.send(file.content);
  });

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/candidates/:id/export',
      summary: 'Everything held about a candidate, as JSON (data-subject access; platform admin)',
      params: idParams,
      roles: ['platform_admin'],
      responses: {
        200: { description: 'The personal data export', schema: candidateExportDto },
        404: { description: 'No such candidate' },
      },
    },
    async ({ params, res }) => {
      const actor = actorOf(res);
      const c = await candidates.profile(params.id);
      if (!c) throw notFound('candidate');
      const files = await candidates.files(c.id);
      const held = await candidates.personalData(c.id);
      const rows = (list: object[]) => JSON.parse(JSON.stringify(list)) as Record<string, unknown>[];
      return {
        status: 200,
        headers: { 'Content-Disposition': `attachment; filename="candidate-${c.id}.json"`, 'Cache-Control': 'private, no-store' },
        body: {
          exportedAt: new Date().toISOString(),
          candidate: profileView(c, files[0], actor),
          files: files.map(fileView),
          proposals: rows(held.proposals),
          applications: rows(held.applications),
          placements: rows(held.placements),
          sourcing: rows(held.sourcing),
          outreach: rows(held.outreach),
          outreachEvents: rows(held.outreachEvents),
          marketplaceEvents: rows(held.marketplaceEvents),
          domainEvents: rows(held.domainEvents),
        },
      };
    },
  );

  route(
    router,
    registry,
    {
      method: 'post',
      path: '/candidates/:id/erase',
      summary:
        "Erase a candidate's personal data (platform admin): profile anonymised, files deleted; proposals, placements, payouts and histories kept. Idempotent.",
      params: idParams,
      roles: ['platform_admin'],
      responses: {
        200: { description: 'Erased (or already erased)', schema: candidateEraseDto },
        404: { description: 'No such candidate' },
      },
    },
    async ({ params, res }) => {
      const actor = actorOf(res);
      const erasedNow = await db.transaction(async (trx) => {
        const c = await candidates.profile(params.id, trx);
        if (!c) throw notFound('candidate');
        return candidates.erase(c.id, ERASED_NAME, actor, trx);
      });
      const after = (await candidates.profile(params.id))!;
      return { status: 200, body: { candidateId: after.id, erasedAt: after.erased_at!.toISOString(), alreadyErased: !erasedNow } };
    },
  );

  return router;
}
