import { Connection } from '@temporalio/client';
import { afterAll, expect, it } from 'vitest';
import { startSupervisedDevServer } from '../../testkit/env/infra.js';

const server = await startSupervisedDevServer();
afterAll(() => server.stop());

it("restarts the suite's Temporal dev server on the same address when it dies, so later files still find it", async () => {
  const first = server.pid;
  process.kill(first!, 'SIGKILL');
  let answered = false;
  for (let i = 0; i < 120 && !answered; i++) {
    await new Promise((r) => setTimeout(r, 500));
    if (server.pid === first) continue;
    const connection = await Connection.connect({ address: server.address, connectTimeout: 1000 }).catch(() => undefined);
    answered = !!(await connection?.workflowService.getSystemInfo({}).then(
      () => true,
      () => false,
    ));
    await connection?.close();
  }
  expect(server.pid).not.toBe(first);
  expect(answered).toBe(true);
});
