import { z } from 'zod';
import { LEVER_WEBHOOK_EVENTS, leverTokenField } from '../../activities/ats/lever.js';
import { ATS_PLATFORMS, INTEGRATION_STATES, SYNC_ENTITIES, SYNC_INTERVAL_MINUTES, type AtsPlatform } from '../../domain/ats.js';
import { pageOf, pageQuery, text, uuid } from '../schemas/common.js';

// ATS integrations (product §3.6).

/** The credentials each platform needs, and may take (write-only: never returned). */
export const CREDENTIAL_FIELDS: Record<AtsPlatform, { required: readonly string[]; optional?: readonly string[] }> = {
  greenhouse: { required: ['clientId', 'clientSecret', 'userId'] },
  // performAs: the Lever user pushed applications are created as; signatureToken.<event>: the token Lever
  // signs that webhook event type with (one per subscribed type).
  lever: { required: ['apiKey'], optional: ['performAs', ...LEVER_WEBHOOK_EVENTS.map(leverTokenField)] },
  // clientSecret: an OAuth app's secret, which then signs webhooks instead of the account token.
  workable: { required: ['subdomain', 'token'], optional: ['clientSecret'] },
  ashby: { required: ['apiKey'] },
  bamboohr: { required: ['companyDomain', 'apiKey'] },
};

/** Minutes between scheduled syncs. */
const intervalMinutes = z.int().min(SYNC_INTERVAL_MINUTES.min).max(SYNC_INTERVAL_MINUTES.max);
const secretValue = text(2000);
const entitiesShape = z.strictObject(
  Object.fromEntries(SYNC_ENTITIES.map((e) => [e, z.boolean()])) as Record<(typeof SYNC_ENTITIES)[number], z.ZodBoolean>,
);

export const integrationCreateBody = z
  .strictObject({
    platform: z.enum(ATS_PLATFORMS),
    name: text(200).optional(),
    credentials: z.record(z.string().max(50), secretValue),
    /** The secret the platform signs webhooks with; generated when omitted (returned once). */
    webhookSecret: z.string().min(16).max(500).optional(),
    /** The platform's API base (regional hosts, sandboxes); only where the deployment allows it. */
    baseUrl: z.url({ protocol: /^https?$/ }).optional(),
    authUrl: z.url({ protocol: /^https?$/ }).optional(),
    entities: entitiesShape.partial().optional(),
    pushApplications: z.boolean().default(false),
    intervalMinutes: intervalMinutes.default(SYNC_INTERVAL_MINUTES.default),
  })
  .superRefine((body, ctx) => {
    for (const issue of credentialIssues(body.platform, body.credentials)) ctx.addIssue({ code: 'custom', ...issue });
  });

export const integrationPatchBody = z
  .strictObject({
    /** Replaces all credentials (e.g. after the platform refused the old ones); then resume. */
    credentials: z.record(z.string().max(50), secretValue).optional(),
    entities: entitiesShape.partial().optional(),
    pushApplications: z.boolean().optional(),
    intervalMinutes: intervalMinutes.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'nothing to change');

/** The issues of `credentials` for `platform`: required fields missing, unknown ones present. */
export function credentialIssues(platform: AtsPlatform, credentials: Record<string, string>): { path: string[]; message: string }[] {
  const { required, optional = [] } = CREDENTIAL_FIELDS[platform];
  return [
    ...required.filter((f) => !credentials[f]).map((f) => ({ path: ['credentials', f], message: `${platform} needs ${f}` })),
    ...Object.keys(credentials)
      .filter((f) => !required.includes(f) && !optional.includes(f))
      .map((f) => ({ path: ['credentials', f], message: `${platform} takes ${[...required, ...optional].join(', ')}` })),
  ];
}

export const syncRequestBody = z.strictObject({ mode: z.enum(['incremental', 'full']).default('incremental') });
export const integrationListQuery = z.strictObject({ ...pageQuery });
export const syncLogQuery = z.strictObject({
  ...pageQuery,
  entity: z.enum(SYNC_ENTITIES).optional(),
  status: z.enum(['ok', 'error']).optional(),
  runId: z.string().max(300).optional(),
});

const entityStatusDto = z.object({
  checkpoint: z.string().nullable(),
  runInProgress: z.boolean(),
  pagesDone: z.int(),
  lastSuccessAt: z.iso.datetime().nullable(),
  lastError: z.string().nullable(),
});

export const integrationDto = z.object({
  id: uuid,
  companyId: uuid,
  platform: z.enum(ATS_PLATFORMS),
  name: z.string(),
  state: z.enum(INTEGRATION_STATES),
  entities: z.object({ jobs: z.boolean(), candidates: z.boolean(), applications: z.boolean() }),
  pushApplications: z.boolean(),
  intervalMinutes: z.int(),
  lastError: z.string().nullable(),
  workflowId: z.string(),
  webhookUrl: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  sync: z.record(z.string(), entityStatusDto),
  /** The sync workflow's live view (null when it cannot be asked). */
  live: z.unknown().nullable(),
});
export const integrationCreatedDto = integrationDto.extend({ webhookSecret: z.string().optional() });
export const integrationPageDto = pageOf(integrationDto);

export const connectionTestDto = z.object({ ok: z.boolean(), error: z.string().nullable() });
export const integrationDeletedDto = z.object({ id: uuid, state: z.literal('deleted') });

export const syncLogDto = z.object({
  id: z.int(),
  runId: z.string(),
  entity: z.enum(SYNC_ENTITIES),
  mode: z.string(),
  page: z.int(),
  received: z.int(),
  created: z.int(),
  updated: z.int(),
  deleted: z.int(),
  unchanged: z.int(),
  status: z.enum(['ok', 'error']),
  error: z.string().nullable(),
  occurredAt: z.iso.datetime(),
});
export const syncLogPageDto = pageOf(syncLogDto);
