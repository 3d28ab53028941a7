import { Client, Connection } from '@temporalio/client';
import { createDb, type Db } from '../../lib/db.js';
import { startFakeResend, type FakeResend } from '../../testkit/fakes/resend.js';
import { startTestInfra, type TestInfra } from '../../testkit/env/infra.js';

/** What a bench runs on: its own Postgres and Temporal dev server, a Resend fake, a pool and a client. */
export interface BenchServers {
  infra: TestInfra;
  resend: FakeResend;
  db: Db;
  temporal: Client;
  close(): Promise<void>;
}

export async function openBenchServers(): Promise<BenchServers> {
  const infra = await startTestInfra();
  const resend = await startFakeResend();
  // As api/server.ts: the default pool size. Worker processes have their own.
  const db = createDb(infra.databaseUrl);
  const connection = await Connection.connect({ address: infra.temporalAddress });
  return {
    infra,
    resend,
    db,
    temporal: new Client({ connection }),
    async close() {
      await Promise.all([connection.close(), resend.close(), db.destroy()]);
      await infra.stop();
    },
  };
}
