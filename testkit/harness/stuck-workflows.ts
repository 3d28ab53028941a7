import type { Client } from '@temporalio/client';

export interface StuckWorkflow {
  workflowId: string;
  problem: string;
}

/**
 * Running workflows (among those `query` selects, else all) that are stuck on bad data: an activity being
 * retried or carrying a failure, or an update accepted but never answered (its caller waited in
 * vain). Each is described and its history read, so use a query that selects a test's own workflows.
 */
export async function stuckWorkflows(temporal: Client, query?: string): Promise<StuckWorkflow[]> {
  const stuck: StuckWorkflow[] = [];
  const running = 'ExecutionStatus = "Running"';
  for await (const wf of temporal.workflow.list({ query: query ? `(${query}) AND ${running}` : running })) {
    const handle = temporal.workflow.getHandle(wf.workflowId, wf.runId);
    const { raw } = await handle.describe();
    for (const a of raw.pendingActivities ?? []) {
      if ((a.attempt ?? 1) > 1 || a.lastFailure) {
        stuck.push({
          workflowId: wf.workflowId,
          problem: `activity ${a.activityType?.name} at attempt ${a.attempt}: ${a.lastFailure?.message ?? 'no failure recorded'}`,
        });
      }
    }
    const accepted = new Set<string>();
    for (const e of (await handle.fetchHistory()).events ?? []) {
      if (e.workflowExecutionUpdateAcceptedEventAttributes)
        accepted.add(e.workflowExecutionUpdateAcceptedEventAttributes.protocolInstanceId!);
      const completed = e.workflowExecutionUpdateCompletedEventAttributes?.meta?.updateId;
      if (completed) accepted.delete(completed);
    }
    for (const id of accepted) stuck.push({ workflowId: wf.workflowId, problem: `update ${id} accepted but not answered` });
  }
  return stuck;
}
