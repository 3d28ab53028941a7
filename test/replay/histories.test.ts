import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundleWorkflowCode } from '@temporalio/worker';
import * as workflows from '../../workflows/index.js';
import { recordedHistories, replay } from '../support/replay.js';
import { DOMAIN_EVENTS_PATCH } from '../../workflows/domain-events.js';
import { APPLICATION_STAGE_PATCH } from '../../workflows/placement.js';
import { FEE_COLLECTION_PATCH } from '../../workflows/fee-collection.js';

const workflowTypeOf = (history: Awaited<ReturnType<typeof recordedHistories>>[number]['history']) =>
  history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;

describe('recorded workflow histories', () => {
  it('cover every workflow type with at least two paths', async () => {
    const histories = await recordedHistories();
    const workflowTypes = Object.entries(workflows)
      .filter(([name, v]) => typeof v === 'function' && name.endsWith('Workflow'))
      .map(([name]) => name);
    for (const type of workflowTypes) {
      expect(histories.filter((h) => workflowTypeOf(h.history) === type).length, type).toBeGreaterThanOrEqual(2);
    }
  });

  it('replay against the current workflow code without non-determinism', async () => {
    const histories = await recordedHistories();
    const { results, failures } = await replay(histories);
    expect(failures).toEqual([]);
    expect(results).toHaveLength(histories.length);
  });

  /** The histories of `type` recorded before and after `patch`, by its marker. */
  async function aroundPatch(type: string, patch: string) {
    const histories = (await recordedHistories()).filter((h) => workflowTypeOf(h.history) === type);
    const patchedRun = (h: (typeof histories)[number]) =>
      h.history.events?.some(
        (e) =>
          e.markerRecordedEventAttributes?.markerName === 'core_patch' &&
          Object.values(e.markerRecordedEventAttributes.details ?? {}).some((d) =>
            d.payloads?.some((p) =>
              Buffer.from(p.data ?? [])
                .toString()
                .includes(patch),
            ),
          ),
      );
    return { before: histories.filter((h) => !patchedRun(h)), after: histories.filter(patchedRun) };
  }

  it('include runs from before and after a patched() change, and both replay (the versioning rule)', async () => {
    // Raising domain events was added to running proposal workflows behind patched(DOMAIN_EVENTS_PATCH).
    const { before, after } = await aroundPatch('proposalWorkflow', DOMAIN_EVENTS_PATCH);
    expect(before.map((h) => h.workflowId)).toContain('proposal-reviewed-then-accepted');
    expect(after.map((h) => h.workflowId)).toContain('proposal-accepted-raises-domain-event');
    expect((await replay([...before, ...after])).failures).toEqual([]);
  });

  it('include placements from before and after they moved the application (APPLICATION_STAGE_PATCH), and both replay', async () => {
    const { before, after } = await aroundPatch('placementWorkflow', APPLICATION_STAGE_PATCH);
    expect(before.map((h) => h.workflowId)).toEqual(
      expect.arrayContaining(['placement-refunded-after-failure', 'placement-replaced-then-released-early']),
    );
    // Later placement histories (e.g. placement-with-platform-fee-completed) are after the patch too.
    expect(after.map((h) => h.workflowId)).toEqual(
      expect.arrayContaining([
        'placement-moves-application-hired-left-then-refunded',
        'placement-moves-application-to-replacement-then-released',
      ]),
    );
    expect(before.map((h) => h.workflowId)).not.toContain('placement-with-platform-fee-completed');
    expect((await replay([...before, ...after])).failures).toEqual([]);
  });

  it('include placements from before and after they collected the fee (FEE_COLLECTION_PATCH), and both replay', async () => {
    const { before, after } = await aroundPatch('placementWorkflow', FEE_COLLECTION_PATCH);
    expect(before.map((h) => h.workflowId)).toEqual(
      expect.arrayContaining(['placement-completed-after-guarantee', 'placement-with-platform-fee-completed']),
    );
    expect(after.map((h) => h.workflowId).sort()).toEqual([
      'placement-fee-paid-late-after-reminders',
      'placement-fee-paid-on-time',
      'placement-fee-payment-failed-then-paid',
      'placement-fee-refund-refused-then-retried',
      'placement-fee-refunded-pro-rata-after-failure',
      'placement-fee-voided',
    ]);
    expect((await replay([...before, ...after])).failures).toEqual([]);
  });

  it('fail to replay against an incompatible change, so such a change fails the suite', async () => {
    const incompatible = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('./fixtures/incompatible-proposal.ts', import.meta.url)),
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} },
    });
    const histories = (await recordedHistories()).filter((h) => workflowTypeOf(h.history) === 'proposalWorkflow');
    const errors = (await replay(histories, { bundle: incompatible })).results.flatMap((r) => (r.error ? [r.error.name] : []));
    expect(errors).toHaveLength(histories.length);
    expect(new Set(errors)).toEqual(new Set(['DeterminismViolationError']));
  });
});
