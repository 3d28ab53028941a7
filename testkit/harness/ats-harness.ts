import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { connectorFor } from '../../activities/ats/index.js';
import type { AtsConnector, AtsPlatform } from '../../activities/ats/types.js';
import type { Db } from '../../lib/db.js';
import { createAtsSyncWorker } from '../../workers/ats-sync.js';
import { parseKeyRing, seal } from '../../lib/sealed.js';
import { WORKFLOW_TYPES, workflowIds } from '../../domain/temporal.js';
import { integrationRecordedUpdate, syncStatusQuery, type SyncConfig, type SyncStatus } from '../../domain/ats.js';
import type { WorkflowHandle } from '@temporalio/client';
import type { FakeResend } from '../fakes/resend.js';
import type { FakeAts } from '../fakes/ats/types.js';
import { startAshbyFake } from '../fakes/ats/ashby.js';
import { startBambooHrFake } from '../fakes/ats/bamboohr.js';
import { startGreenhouseFake } from '../fakes/ats/greenhouse.js';
import { startLeverFake } from '../fakes/ats/lever.js';
import { startWorkableFake } from '../fakes/ats/workable.js';
import { workflowBundle } from '../env/suite-context.js';
import type { Marketplace } from './factories.js';
import type { AtsSyncWorkflow } from '../../domain/ats.js';

export const ATS_TEST_KEY_RING = parseKeyRing(`t1:${Buffer.alloc(32, 7).toString('base64')}`);

export const FAKES: Record<AtsPlatform, () => Promise<FakeAts>> = {
  greenhouse: () => startGreenhouseFake(),
  lever: () => startLeverFake(),
  workable: () => startWorkableFake(),
  ashby: () => startAshbyFake(),
  bamboohr: () => startBambooHrFake(),
};

/** A worker of the ats-sync queue on a private task queue, with the real connectors (`wrap` may alter them) and activities. */
export async function atsTestWorker(
  env: TestWorkflowEnvironment,
  db: Db,
  resend: FakeResend,
  wrap: (c: AtsConnector) => AtsConnector = (c) => c,
) {
  const taskQueue = `ats-sync-test-${randomUUID()}`;
  // The production factory: the same activities and activity interceptor as a worker process.
  const worker = await createAtsSyncWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: workflowBundle(),
    db,
    resend: resend.client(),
    emailFrom: 'test@splits.test',
    appUrl: 'http://app.test',
    temporal: env.client,
    automationTaskQueue: `automation-test-${randomUUID()}`,
    keyRing: ATS_TEST_KEY_RING,
    connectorFor: (platform, config) => wrap(connectorFor(platform, config)),
  });
  return { worker, taskQueue };
}

export const ALL_ENTITIES: SyncConfig = {
  entities: { jobs: true, candidates: true, applications: true },
  intervalMinutes: 5,
  pushApplications: false,
};

/** Connects `fake` to the marketplace's company: the sync workflow records the integration and syncs at once. */
export async function connect(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  m: Marketplace,
  fake: FakeAts,
  config: Partial<SyncConfig> = {},
  extra: { historyLimit?: number } = {},
) {
  const integrationId = randomUUID();
  const credentials = seal(ATS_TEST_KEY_RING, JSON.stringify(fake.config.credentials), integrationId);
  const full = { ...ALL_ENTITIES, ...config };
  const handle = await env.client.workflow.start<AtsSyncWorkflow>(WORKFLOW_TYPES.atsSync, {
    workflowId: workflowIds.atsSync(integrationId),
    taskQueue,
    args: [
      {
        integrationId,
        companyId: m.companyId,
        platform: fake.platform,
        config: full,
        ...extra,
        record: {
          id: integrationId,
          companyId: m.companyId,
          platform: fake.platform,
          name: `Test ${fake.platform}`,
          credentialsSealed: credentials.sealed,
          credentialsKeyId: credentials.keyId,
          webhookSecretSealed: seal(ATS_TEST_KEY_RING, fake.webhookSecret, `${integrationId}:webhook`).sealed,
          baseUrl: fake.config.baseUrl ?? null,
          authUrl: fake.config.authUrl ?? null,
          ...full,
          workflowId: workflowIds.atsSync(integrationId),
          createdByUserId: m.actors.companyAdmin.userId,
          at: new Date().toISOString(),
        },
      },
    ],
  });
  await handle.executeUpdate(integrationRecordedUpdate);
  return { integrationId, handle };
}

/** A small ATS: 2 jobs, 3 candidates, 4 applications at the first stage. */
export function seedSmall(fake: FakeAts) {
  const jobs = [fake.addJob({ title: 'Platform Engineer' }), fake.addJob({ title: 'Data Engineer' })];
  const candidates = ['Ada Byron', 'Alan Turing', 'Grace Hopper'].map((fullName, i) =>
    fake.addCandidate({ fullName, email: `c${i}@example.com` }),
  );
  const applications = [
    fake.addApplication({ candidateExternalId: candidates[0]!, jobExternalId: jobs[0]! }),
    fake.addApplication({ candidateExternalId: candidates[1]!, jobExternalId: jobs[0]! }),
    fake.addApplication({ candidateExternalId: candidates[2]!, jobExternalId: jobs[1]! }),
    fake.addApplication({ candidateExternalId: candidates[0]!, jobExternalId: jobs[1]! }),
  ];
  return { jobs, candidates, applications };
}

/** How many live rows of each entity the integration mapped. */
export async function mappedCounts(db: Db, integrationId: string) {
  const rows = await db('external_entity_map')
    .where({ integration_id: integrationId })
    .whereNull('deleted_at')
    .groupBy('entity_type')
    .select('entity_type')
    .count<{ entity_type: string; n: string }[]>('* as n');
  return Object.fromEntries(rows.map((r) => [r.entity_type, Number(r.n)])) as Record<string, number>;
}

/**
 * Waits (real time; timers do not move while we only query) until the sync workflow has finished
 * `runs` runs, or left the active state (paused, auth failed, disconnected).
 */
export async function syncRunsFinished(handle: WorkflowHandle<AtsSyncWorkflow>, runs: number): Promise<SyncStatus> {
  for (let i = 0; i < 600; i++) {
    const status = await handle.query(syncStatusQuery);
    if ((status.runs >= runs && !status.syncing) || status.state !== 'active') return status;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sync run ${runs} did not finish`);
}
