import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROCESS_NAMES, PROCESS_REQUIREMENTS, type ProcessName } from '../../lib/config.js';
import { deployTool, PROJECT_ROOT } from '../../scripts/lib/tools.js';
import { TASK_QUEUES } from '../../domain/temporal.js';

/**
 * Static checks of the deployment (no cluster or container engine here): the Kustomize overlays
 * render and validate against the Kubernetes schemas offline, the Dockerfile lints clean, and
 * checkov finds nothing in the manifests, the Dockerfile and the compose files that is not
 * explicitly accepted with a reason.
 */
const run = promisify(execFile);
const OVERLAYS = ['self-hosted', 'temporal-cloud'] as const;
const COMPOSE_FILES = ['docker-compose.temporal.yml', 'docker/compose.temporal-cloud.yml', 'docker/compose.temporal-cloud-mtls.yml'];

interface Container {
  name: string;
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  envFrom?: { configMapRef?: { name: string } }[];
  readinessProbe?: { httpGet?: { path: string } };
  livenessProbe?: { httpGet?: { path: string } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean; capabilities?: { drop?: string[] } };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  automountServiceAccountToken?: boolean;
  volumes?: { name: string; emptyDir?: object; secret?: { secretName: string } }[];
}
interface Resource {
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: {
    selector?: { matchLabels?: Record<string, string> };
    template?: { metadata?: { labels?: Record<string, string> }; spec: PodSpec };
    scaleTargetRef?: { kind: string; name: string };
    podSelector?: { matchLabels?: Record<string, string> };
    metrics?: { resource?: { name: string } }[];
    rules?: { http?: { paths: { backend: { service: { name: string } } }[] } }[];
  };
  data?: Record<string, string>;
}

const rendered: Record<string, Resource[]> = {};
const renderedFiles: Record<string, string> = {};
const tmp = mkdtempSync(path.join(os.tmpdir(), 'splits-k8s-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** YAML documents as objects, through the tools' own Python (PyYAML comes with checkov). */
async function parseYaml(file: string): Promise<Resource[]> {
  const { stdout } = await run(deployTool('python'), [
    '-c',
    'import json, sys, yaml; print(json.dumps([d for d in yaml.safe_load_all(open(sys.argv[1])) if d]))',
    file,
  ]);
  return JSON.parse(stdout) as Resource[];
}

beforeAll(async () => {
  for (const overlay of OVERLAYS) {
    const { stdout } = await run(deployTool('kubectl'), ['kustomize', path.join(PROJECT_ROOT, 'deploy/k8s/overlays', overlay)], {
      maxBuffer: 16 << 20,
    });
    renderedFiles[overlay] = path.join(tmp, `${overlay}.yaml`);
    writeFileSync(renderedFiles[overlay], stdout);
    rendered[overlay] = await parseYaml(renderedFiles[overlay]);
  }
}, 120_000);

const find = (overlay: string, kind: string, name: string) => {
  const found = rendered[overlay]!.find((r) => r.kind === kind && r.metadata.name === name);
  expect(found, `${kind} ${name} in ${overlay}`).toBeDefined();
  return found!;
};
const seconds = (duration: string) => Number(/^(\d+)s$/.exec(duration)![1]);
const workers = Object.values(TASK_QUEUES);
/** What each workload runs, as named in lib/config.ts. */
const workloads: [kind: string, name: string, process: ProcessName][] = [
  ['Deployment', 'splits-api', 'api'],
  ...workers.map((q) => ['Deployment', `splits-worker-${q}`, `worker-${q}` as ProcessName] as [string, string, ProcessName]),
  ['Job', 'splits-migrate', 'migrate'],
];

describe('the Kubernetes manifests', () => {
  it.each(OVERLAYS)('%s: renders with kubectl kustomize and validates against the Kubernetes schemas offline (strict)', async (overlay) => {
    const { stdout } = await run(deployTool('kubernetes-validate'), ['--strict', '--no-warn', renderedFiles[overlay]!]);
    const passed = stdout.split('\n').filter((l) => l.startsWith('INFO') && l.includes(' passed '));
    expect(passed.length).toBe(rendered[overlay]!.length);
    // Referenced, never inlined: no Secret object, no secret value in the manifests.
    expect(rendered[overlay]!.filter((r) => r.kind === 'Secret')).toEqual([]);
    expect(new Set(rendered[overlay]!.map((r) => r.metadata.namespace ?? (r.kind === 'Namespace' ? r.metadata.name : undefined)))).toEqual(
      new Set(['splits']),
    );
  });

  it.each(OVERLAYS)('%s: gives each process the settings it requires, its secrets by reference from the Secret', (overlay) => {
    const config = rendered[overlay]!.find((r) => r.kind === 'ConfigMap')!;
    for (const [kind, name, process] of workloads) {
      const [container] = find(overlay, kind, name).spec!.template!.spec.containers;
      const env = new Map((container!.env ?? []).map((e) => [e.name, e]));
      expect(container!.envFrom?.[0]?.configMapRef?.name).toBe(config.metadata.name);
      const required =
        process === 'migrate'
          ? PROCESS_NAMES.flatMap((p) => [...PROCESS_REQUIREMENTS[p].always, ...PROCESS_REQUIREMENTS[p].production])
          : [...PROCESS_REQUIREMENTS[process].always, ...PROCESS_REQUIREMENTS[process].production];
      for (const setting of ['DATABASE_URL', ...required]) {
        expect(env.get(setting)?.valueFrom?.secretKeyRef, `${name} ${setting}`).toEqual({ name: 'splits-app', key: setting });
      }
      // Secrets only by reference, and Stripe only where it is used: payouts, and the API's Connect onboarding and webhooks.
      for (const e of env.values())
        if (/KEY|SECRET|TOKEN|PASSWORD|DATABASE_URL/.test(e.name)) expect(e.value, `${name} ${e.name}`).toBeUndefined();
      expect(env.has('STRIPE_SECRET_KEY'), name).toBe(['worker-placements', 'api', 'migrate'].includes(process));
      expect(env.get('STRIPE_WEBHOOK_SECRET')?.valueFrom?.secretKeyRef, name).toEqual(
        ['api', 'migrate'].includes(process) ? { name: 'splits-app', key: 'STRIPE_WEBHOOK_SECRET' } : undefined,
      );
      expect(config.data!.NODE_ENV).toBe('production');
    }
    expect(find(overlay, 'Job', 'splits-migrate').spec!.template!.spec.containers[0]!.args).toEqual(['db/migrate.js', '--check-config']);
  });

  it.each(OVERLAYS)(
    '%s: runs one probed, autoscaled, disruption-budgeted worker Deployment per task queue that outlives its shutdown grace',
    (overlay) => {
      for (const queue of workers) {
        const name = `splits-worker-${queue}`;
        const deployment = find(overlay, 'Deployment', name);
        const pod = deployment.spec!.template!;
        const [container] = pod.spec.containers;
        expect(container!.args).toEqual([`workers/${queue}.js`]);
        const env = Object.fromEntries((container!.env ?? []).map((e) => [e.name, e.value]));
        expect(pod.spec.terminationGracePeriodSeconds!, name).toBeGreaterThan(seconds(env.WORKER_SHUTDOWN_GRACE!) + 30);
        expect(container!.readinessProbe?.httpGet?.path).toBe('/healthz');
        expect(container!.livenessProbe?.httpGet?.path).toBe('/livez');
        expect(env.WORKER_HEALTH_PORT).toBeDefined();
        // The V8 heap (which sizes the sticky cache) fits in the memory limit with room for the Rust core.
        const heapMiB = Number(/--max-old-space-size=(\d+)/.exec(env.NODE_OPTIONS!)![1]);
        expect(heapMiB * 2, name).toBeLessThanOrEqual(Number(/^(\d+)Gi$/.exec(container!.resources!.limits!.memory!)![1]) * 1024);
        // Each selector picks this queue's pods only.
        const labels = pod.metadata!.labels!;
        expect(labels['app.kubernetes.io/component']).toBe(`worker-${queue}`);
        expect(deployment.spec!.selector!.matchLabels).toMatchObject({ 'app.kubernetes.io/component': `worker-${queue}` });
        expect(find(overlay, 'PodDisruptionBudget', name).spec!.selector!.matchLabels).toEqual(deployment.spec!.selector!.matchLabels);
        expect(find(overlay, 'NetworkPolicy', name).spec!.podSelector!.matchLabels).toEqual(deployment.spec!.selector!.matchLabels);
        const hpa = find(overlay, 'HorizontalPodAutoscaler', name);
        expect(hpa.spec!.scaleTargetRef).toMatchObject({ kind: 'Deployment', name });
        expect(hpa.spec!.metrics!.map((m) => m.resource?.name)).toEqual(['cpu']);
      }
    },
  );

  it.each(OVERLAYS)('%s: serves the API through a Service and an Ingress, ready on /healthz only, alive on /livez', (overlay) => {
    const api = find(overlay, 'Deployment', 'splits-api');
    const [container] = api.spec!.template!.spec.containers;
    expect(container!.readinessProbe?.httpGet?.path).toBe('/healthz');
    expect(container!.livenessProbe?.httpGet?.path).toBe('/livez');
    const drain = Number(container!.env!.find((e) => e.name === 'API_DRAIN_DELAY')!.value);
    expect(api.spec!.template!.spec.terminationGracePeriodSeconds!).toBeGreaterThan(drain + 10);
    expect(find(overlay, 'Service', 'splits-api').spec!.selector).toEqual(api.spec!.selector!.matchLabels);
    expect(find(overlay, 'Ingress', 'splits-api').spec!.rules![0]!.http!.paths[0]!.backend.service.name).toBe('splits-api');
    find(overlay, 'PodDisruptionBudget', 'splits-api');
  });

  it.each(OVERLAYS)(
    '%s: runs every pod as non-root on a read-only root filesystem, with /tmp on an emptyDir and resources set',
    (overlay) => {
      for (const [kind, name] of workloads) {
        const spec = find(overlay, kind, name).spec!.template!.spec;
        expect(spec.securityContext?.runAsNonRoot, name).toBe(true);
        expect(spec.automountServiceAccountToken, name).toBe(false);
        for (const c of spec.containers) {
          expect(c.securityContext, name).toMatchObject({
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            capabilities: { drop: ['ALL'] },
          });
          const tmpMount = c.volumeMounts!.find((m) => m.mountPath === '/tmp')!;
          expect(spec.volumes!.find((v) => v.name === tmpMount.name)?.emptyDir, name).toBeDefined();
          expect(Object.keys(c.resources?.requests ?? {}).sort(), name).toEqual(['cpu', 'memory']);
          expect(c.resources?.limits?.memory, name).toBeDefined();
        }
      }
    },
  );

  it('points the self-hosted overlay at the Helm chart frontend, and the Cloud one at Cloud with the mTLS files mounted', () => {
    const configOf = (overlay: string) => rendered[overlay]!.find((r) => r.kind === 'ConfigMap')!.data!;
    expect(configOf('self-hosted').TEMPORAL_ADDRESS).toBe('temporal-frontend.temporal.svc.cluster.local:7233');
    const cloud = configOf('temporal-cloud');
    expect(cloud.TEMPORAL_ADDRESS).toMatch(/\.tmprl\.cloud:7233$/);
    for (const [kind, name] of workloads) {
      const spec = find('temporal-cloud', kind, name).spec!.template!.spec;
      const volume = spec.volumes!.find((v) => v.secret?.secretName === 'splits-temporal-tls');
      expect(volume, name).toBeDefined();
      const mount = spec.containers[0]!.volumeMounts!.find((m) => m.name === volume!.name)!;
      expect(cloud.TEMPORAL_TLS_CERT_PATH).toBe(`${mount.mountPath}/tls.crt`);
      expect(cloud.TEMPORAL_TLS_KEY_PATH).toBe(`${mount.mountPath}/tls.key`);
      expect(
        find('self-hosted', kind, name).spec!.template!.spec.volumes!.some((v) => v.secret),
        name,
      ).toBe(false);
    }
  });
});

describe('the image and IaC checks', () => {
  it('lints the Dockerfile clean with hadolint', async () => {
    const { stdout, stderr } = await run(deployTool('hadolint'), ['--failure-threshold', 'info', 'Dockerfile'], { cwd: PROJECT_ROOT });
    expect(stdout + stderr).toBe('');
  });

  it('has checkov find nothing unexplained in the rendered manifests, the Dockerfile and the compose files, and catch a planted secret', async () => {
    // Control: a real-looking Stripe key in a copy of the compose file must be reported.
    const planted = path.join(tmp, 'planted-compose.yml');
    writeFileSync(
      planted,
      'services:\n  api:\n    environment:\n      STRIPE_SECRET_KEY: sk_live_51H8x2aLkdjfKJDFkjdfkjdfKJDKFJdkfjdkfjKDJFkdjfkdjfkdjfkDJFKDJFkdjfkd\n',
    );
    const files = [
      ...Object.values(renderedFiles),
      path.join(PROJECT_ROOT, 'Dockerfile'),
      ...COMPOSE_FILES.map((f) => path.join(PROJECT_ROOT, f)),
      planted,
    ];
    const started = Date.now();
    // No compose framework exists in checkov: compose files get the secrets scan (hard-coded keys);
    // their hardening is asserted by compose.test.ts.
    const result = await run(
      deployTool('checkov'),
      [...files.flatMap((f) => ['-f', f]), '--framework', 'kubernetes', 'dockerfile', 'secrets', '--skip-download', '--output', 'json'],
      { cwd: tmp, maxBuffer: 64 << 20 },
    ).catch((err: { stdout: string; code: number }) => err);
    const elapsed = (Date.now() - started) / 1000;
    const reports = [JSON.parse(result.stdout) as object].flat() as {
      check_type: string;
      results: {
        failed_checks: { check_id: string; file_path: string }[];
        skipped_checks: { check_id: string }[];
        passed_checks: unknown[];
      };
    }[];
    const byType = Object.fromEntries(reports.map((r) => [r.check_type, r.results]));
    const failed = reports.flatMap((r) => r.results.failed_checks.map((c) => `${r.check_type} ${c.check_id} ${c.file_path}`));
    // Only the planted key fails (a Stripe-key rule and an entropy rule may both fire on it).
    expect(failed.length).toBeGreaterThan(0);
    for (const f of failed) expect(f).toMatch(/^secrets CKV_SECRET_\d+ .*planted-compose\.yml$/);
    expect(byType.kubernetes!.passed_checks.length).toBeGreaterThan(100);
    expect(byType.dockerfile!.passed_checks.length).toBeGreaterThan(10);
    // Every accepted finding says why, in a `checkov.io/skipN: <check>=<reason>` annotation of the workload.
    const reasons = new Map(
      Object.values(rendered)
        .flat()
        .flatMap((r) => Object.entries(r.metadata.annotations ?? {}))
        .filter(([k]) => k.startsWith('checkov.io/skip'))
        .map(([, v]) => /^([^=]+)=(.*)$/.exec(v)!.slice(1) as [string, string]),
    );
    const accepted = new Set(byType.kubernetes!.skipped_checks.map((c) => c.check_id));
    expect(accepted).toEqual(new Set(['CKV_K8S_43', 'CKV_K8S_35']));
    for (const id of accepted) expect(reasons.get(id)?.length ?? 0, id).toBeGreaterThan(60);
    console.log(`checkov: ${files.length} files in ${elapsed.toFixed(1)} s`);
  }, 180_000);
});
