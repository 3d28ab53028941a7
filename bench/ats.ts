/**
 * ATS ingestion: a fake Greenhouse holding BENCH_ATS_CANDIDATES (default 100,000)
 * candidates with 3 applications each is synced from scratch by the real sync workflow
 * (connector → paging activity → Postgres), then again incrementally after 1 % of the
 * applications changed. Beside it, in the same run on the same Postgres: a raw multi-row
 * insert of the same rows (the database's own ceiling for this data).
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createDb, type Db } from '../lib/db.js';
import { seal } from '../lib/sealed.js';
import { WORKFLOW_TYPES, workflowIds } from '../domain/temporal.js';
import { integrationRecordedUpdate, syncNowSignal, syncStatusQuery } from '../domain/ats.js';
import { createAtsSyncWorker } from '../workers/ats-sync.js';
import { startGreenhouseFake } from '../testkit/fakes/ats/greenhouse.js';
import { startFakeResend } from '../testkit/fakes/resend.js';
import { createMarketplace } from '../testkit/harness/factories.js';
import { startTestInfra } from '../testkit/env/infra.js';
import { ATS_TEST_KEY_RING } from '../testkit/harness/ats-harness.js';
import { printTable, saveReport, type Measurement } from './lib/measure.js';
import type { AtsSyncWorkflow } from '../domain/ats.js';

const CANDIDATES = Number(process.env.BENCH_ATS_CANDIDATES ?? 100_000);
const APPLICATIONS_PER_CANDIDATE = 3;
const JOBS = 200;
const CHANGED = 0.01;

// Whole runs, not requests: no latency percentiles (shown as —).
const rate = (records: number, seconds: number): Measurement => ({
  seconds,
  perSecond: records / seconds,
  p50Ms: Number.NaN,
  p99Ms: Number.NaN,
});

/** The same rows the sync writes, inserted directly in batches of 1,000 (no mapping, no hashing, no Temporal). */
async function rawInsert(db: Db, companyId: string): Promise<Measurement> {
  const started = performance.now();
  const jobIds = Array.from({ length: JOBS }, () => randomUUID());
  await db('jobs').insert(jobIds.map((id, i) => ({ id, company_id: companyId, title: `Raw job ${i}`, status: 'open' })));
  for (let from = 0; from < CANDIDATES; from += 1000) {
    const batch = Array.from({ length: Math.min(1000, CANDIDATES - from) }, (_, i) => ({
      id: randomUUID(),
      full_name: `Raw candidate ${from + i}`,
      email: `raw${from + i}@example.com`,
    }));
    await db('candidates').insert(batch);
    const apps = batch.flatMap((c, i) =>
      Array.from({ length: APPLICATIONS_PER_CANDIDATE }, (_, k) => ({
        id: randomUUID(),
        candidate_id: c.id,
        job_id: jobIds[(from + i + k) % JOBS],
        stage: 'Application Review',
      })),
    );
    for (let a = 0; a < apps.length; a += 1000) await db('applications').insert(apps.slice(a, a + 1000));
  }
  return rate(JOBS + CANDIDATES * (1 + APPLICATIONS_PER_CANDIDATE), (performance.now() - started) / 1000);
}

async function main() {
  Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
  const infra = await startTestInfra();
  const [ats, resend] = await Promise.all([startGreenhouseFake(), startFakeResend()]);
  const db = createDb(infra.databaseUrl, { max: 10 });
  const [connection, nativeConnection] = await Promise.all([
    Connection.connect({ address: infra.temporalAddress }),
    NativeConnection.connect({ address: infra.temporalAddress }),
  ]);
  const temporal = new Client({ connection });
  const taskQueue = `bench-ats-${randomUUID()}`;
  const worker = await createAtsSyncWorker({
    connection: nativeConnection,
    namespace: 'default',
    temporal,
    automationTaskQueue: `bench-automation-${randomUUID()}`,
    db,
    resend: resend.client(),
    emailFrom: 'bench@splits.test',
    appUrl: 'http://bench',
    workflowBundle: { codePath: infra.workflowBundlePath },
    taskQueue,
    keyRing: ATS_TEST_KEY_RING,
  });

  // Records last changed an hour ago, as in a real account: the incremental run's filter (its
  // checkpoint, one minute before the first run started) then excludes them.
  ats.seedBulk({ jobs: JOBS, candidates: CANDIDATES, applicationsPerCandidate: APPLICATIONS_PER_CANDIDATE, ageMs: 3_600_000 });
  const records = JOBS + CANDIDATES * (1 + APPLICATIONS_PER_CANDIDATE);
  const m = await createMarketplace(db);
  const baseline = await rawInsert(db, m.companyId);

  const integrationId = randomUUID();
  const credentials = seal(ATS_TEST_KEY_RING, JSON.stringify(ats.config.credentials), integrationId);
  const config = { entities: { jobs: true, candidates: true, applications: true }, intervalMinutes: 1440, pushApplications: false };
  const report = await worker.runUntil(async () => {
    const handle = await temporal.workflow.start<AtsSyncWorkflow>(WORKFLOW_TYPES.atsSync, {
      workflowId: workflowIds.atsSync(integrationId),
      taskQueue,
      args: [
        {
          integrationId,
          companyId: m.companyId,
          platform: 'greenhouse',
          config,
          record: {
            id: integrationId,
            companyId: m.companyId,
            platform: 'greenhouse',
            name: 'bench',
            credentialsSealed: credentials.sealed,
            credentialsKeyId: credentials.keyId,
            webhookSecretSealed: seal(ATS_TEST_KEY_RING, ats.webhookSecret, `${integrationId}:webhook`).sealed,
            baseUrl: ats.config.baseUrl ?? null,
            authUrl: ats.config.authUrl ?? null,
            ...config,
            workflowId: workflowIds.atsSync(integrationId),
            createdByUserId: null,
            at: new Date().toISOString(),
          },
        },
      ],
    });
    const runFinished = async (runs: number) => {
      for (;;) {
        const s = await handle.query(syncStatusQuery);
        if (s.runs >= runs && !s.syncing) return s;
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    let started = performance.now();
    await handle.executeUpdate(integrationRecordedUpdate);
    const full = await runFinished(1);
    const fromScratch = rate(records, (performance.now() - started) / 1000);

    ats.touch(CHANGED);
    const changed = Math.round(CANDIDATES * APPLICATIONS_PER_CANDIDATE * CHANGED);
    started = performance.now();
    await handle.signal(syncNowSignal);
    const incremental = await runFinished(2);
    const delta = rate(changed, (performance.now() - started) / 1000);
    await handle.terminate('benchmark done');
    return { fromScratch, delta, full, incremental };
  });

  printTable(
    `ATS ingestion: fake Greenhouse, ${CANDIDATES} candidates × ${APPLICATIONS_PER_CANDIDATE} applications (+${JOBS} jobs = ${records} records); per second = records`,
    [
      ['raw multi-row insert into Postgres (baseline)', baseline],
      ['sync workflow from scratch (paging, mapping, hashing, logs)', report.fromScratch],
      [`incremental sync, ${CHANGED * 100} % of applications changed (per changed record)`, report.delta],
    ],
  );
  const ratio = report.fromScratch.perSecond / baseline.perSecond;
  const deltaRatio = report.delta.perSecond / baseline.perSecond;
  console.log(
    `ratio (full sync records / raw insert records per second): ${ratio.toFixed(2)}; incremental: ${report.delta.seconds.toFixed(1)} s for ${Math.round(CANDIDATES * APPLICATIONS_PER_CANDIDATE * CHANGED)} changed applications (ratio ${deltaRatio.toFixed(3)})`,
  );
  console.log(`errors: full ${report.full.lastError ?? 'none'}, incremental ${report.incremental.lastError ?? 'none'}`);
  await saveReport('ats', {
    candidates: CANDIDATES,
    records,
    baseline,
    fromScratch: report.fromScratch,
    incremental: report.delta,
    ratio,
    deltaRatio,
    status: report.incremental,
  });

  await Promise.all([connection.close(), ats.close(), resend.close(), db.destroy()]);
  await nativeConnection.close();
  await infra.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
