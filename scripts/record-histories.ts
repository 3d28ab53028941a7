/**
 * `npm run record-histories`: runs each important path of every workflow type against
 * the time-skipping test server with the real activities (embedded Postgres, fake
 * Resend) and writes their event histories to test/replay/histories/, which the replay
 * test replays against the current workflow code. Re-record only when a change is
 * meant to be incompatible (then old runs must be drained or patched first).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createDb } from '../lib/db.js';
import {
  acceptProposalUpdate,
  declineProposalUpdate,
  proposalRecordedUpdate,
  reviewProposalUpdate,
  withdrawProposalUpdate,
} from '../workflows/proposal.js';
import { startFakeResend } from '../test/fakes/resend.js';
import { startTimeSkippingEnv } from '../test/support/time-skipping.js';
import { createMarketplace } from '../test/support/factories.js';
import { startTestInfra } from '../test/support/infra.js';
import { proposalInput, proposalTestWorker, startProposal } from '../test/support/proposal-harness.js';
import { PROJECT_ROOT } from './lib/tools.js';

export const HISTORIES_DIR = path.join(PROJECT_ROOT, 'test', 'replay', 'histories');

async function main() {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const infra = await startTestInfra({ temporal: false });
  const [env, resend] = await Promise.all([startTimeSkippingEnv(), startFakeResend()]);
  const db = createDb(infra.databaseUrl);
  const { worker, taskQueue } = await proposalTestWorker(env, db, resend, { codePath: infra.workflowBundlePath });
  await mkdir(HISTORIES_DIR, { recursive: true });

  const scenarios: Record<string, () => Promise<WorkflowHandle>> = {
    async 'proposal-reviewed-then-accepted'() {
      const m = await createMarketplace(db);
      const handle = await startProposal(env, taskQueue, proposalInput(m));
      await handle.executeUpdate(proposalRecordedUpdate);
      await handle.executeUpdate(reviewProposalUpdate, { args: [{ actor: m.actors.hiringManager }] });
      await handle.executeUpdate(acceptProposalUpdate, { args: [{ actor: m.actors.companyAdmin }] });
      return handle;
    },
    async 'proposal-declined-with-reason'() {
      const m = await createMarketplace(db);
      const handle = await startProposal(env, taskQueue, proposalInput(m));
      await handle.executeUpdate(proposalRecordedUpdate);
      await handle.executeUpdate(declineProposalUpdate, { args: [{ actor: m.actors.companyAdmin, reason: 'Role filled internally' }] });
      return handle;
    },
    async 'proposal-withdrawn'() {
      const m = await createMarketplace(db);
      const handle = await startProposal(env, taskQueue, proposalInput(m));
      await handle.executeUpdate(proposalRecordedUpdate);
      await handle.executeUpdate(withdrawProposalUpdate, { args: [{ actor: m.actors.recruiter }] });
      return handle;
    },
    async 'proposal-timed-out-after-reminder'() {
      const m = await createMarketplace(db);
      const handle = await startProposal(env, taskQueue, proposalInput(m));
      await handle.executeUpdate(proposalRecordedUpdate);
      return handle;
    },
    async 'proposal-refused-as-duplicate'() {
      const m = await createMarketplace(db);
      const first = await startProposal(env, taskQueue, proposalInput(m));
      await first.executeUpdate(proposalRecordedUpdate);
      const duplicate = await startProposal(env, taskQueue, proposalInput(m));
      await duplicate.executeUpdate(proposalRecordedUpdate).catch(() => undefined);
      await first.executeUpdate(withdrawProposalUpdate, { args: [{ actor: m.actors.recruiter }] });
      return duplicate;
    },
  };

  try {
    await worker.runUntil(async () => {
      for (const [name, scenario] of Object.entries(scenarios)) {
        const handle = await scenario();
        await handle.result();
        const file = path.join(HISTORIES_DIR, `${name}.json`);
        await writeFile(file, `${JSON.stringify(JSON.parse(historyToJSON(await handle.fetchHistory())), null, 2)}\n`);
        console.log(`recorded ${path.relative(PROJECT_ROOT, file)}`);
      }
    });
  } finally {
    await Promise.all([env.teardown(), resend.close(), db.destroy()]);
    await infra.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
