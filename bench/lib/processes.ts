import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { PROJECT_ROOT } from '../../scripts/lib/tools.js';

/**
 * `node --import tsx <script>` from the project root (its RSS is its own: no npm or shell in between).
 * Its output is dropped (the SDK runtime logs every state change); the tail of stderr is printed if it fails.
 */
export function spawnNode(script: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
  });
  let tail = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-8000);
  });
  child.once('exit', (code) => {
    if (code) console.error(`${script} exited with ${code}; its last output:\n${tail}`);
  });
  return child;
}

/** What a worker process of this project needs in its environment (workers/queue-worker.ts), on an isolated queue. */
export function workerEnv(opts: {
  databaseUrl: string;
  temporalAddress: string;
  taskQueue: string;
  automationTaskQueue: string;
  resendUrl: string;
  bundlePath: string;
}): Record<string, string> {
  return {
    DATABASE_URL: opts.databaseUrl,
    TEMPORAL_ADDRESS: opts.temporalAddress,
    STRIPE_SECRET_KEY: 'sk_test_bench',
    RESEND_API_KEY: 're_test_bench',
    RESEND_BASE_URL: opts.resendUrl,
    JWT_SECRET: 'bench-secret-that-is-at-least-32-characters',
    WORKER_TASK_QUEUE: opts.taskQueue,
    AUTOMATION_TASK_QUEUE: opts.automationTaskQueue,
    WORKFLOW_BUNDLE_PATH: opts.bundlePath,
    LOG_LEVEL: 'warn',
  };
}

/** Resolves once some worker polls `taskQueue` for workflow tasks. */
export async function waitForPoller(client: Client, taskQueue: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`worker process exited (${child.exitCode ?? child.signalCode}) before polling ${taskQueue}`);
    const res = await client.workflowService.describeTaskQueue({
      namespace: client.options.namespace,
      taskQueue: { name: taskQueue, kind: proto.temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    if (res.pollers.length > 0) return;
    if (Date.now() > deadline) throw new Error(`no worker polled ${taskQueue} within ${timeoutMs} ms`);
    await sleep(250);
  }
}

/** Resident set size of a process in KiB (VmRSS in /proc/<pid>/status). */
export async function rssKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]);
}

/** `samples` readings `intervalMs` apart; the median (RSS of an idle Node process still moves with GC). */
export async function settledRssKiB(pid: number, samples = 5, intervalMs = 1000): Promise<{ medianKiB: number; samplesKiB: number[] }> {
  const readings: number[] = [];
  for (let i = 0; i < samples; i++) {
    if (i > 0) await sleep(intervalMs);
    readings.push(await rssKiB(pid));
  }
  const sorted = [...readings].sort((a, b) => a - b);
  return { medianKiB: sorted[Math.floor(sorted.length / 2)]!, samplesKiB: readings };
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
export async function stopProcess(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
