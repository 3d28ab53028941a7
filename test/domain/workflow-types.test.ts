import { describe, expect, it } from 'vitest';
import * as workflows from '../../workflows/index.js';
import type { AtsSyncWorkflow } from '../../domain/ats.js';
import type { AutomationExecutionWorkflow } from '../../domain/automation.js';
import type { PayoutWorkflow } from '../../domain/payout.js';
import type { PayoutAccountWorkflow } from '../../domain/payout-account.js';
import type { PlacementWorkflow } from '../../domain/placement.js';
import type { ProposalWorkflow } from '../../domain/proposal.js';
import type { ProtectionWorkflow } from '../../domain/protection.js';
import { WORKFLOW_TYPES } from '../../domain/temporal.js';

// The API and activities start workflows by these names (no workflow code in their bundle):
// each must be a function the workers register, with the signature domain/ declares.
const signatures: {
  [K in keyof typeof WORKFLOW_TYPES]: unknown;
} = {
  proposal: workflows.proposalWorkflow satisfies ProposalWorkflow,
  placement: workflows.placementWorkflow satisfies PlacementWorkflow,
  payout: workflows.payoutWorkflow satisfies PayoutWorkflow,
  payoutAccount: workflows.payoutAccountWorkflow satisfies PayoutAccountWorkflow,
  protection: workflows.protectionWorkflow satisfies ProtectionWorkflow,
  automation: workflows.automationExecutionWorkflow satisfies AutomationExecutionWorkflow,
  atsSync: workflows.atsSyncWorkflow satisfies AtsSyncWorkflow,
};

describe('WORKFLOW_TYPES', () => {
  it.each(Object.entries(WORKFLOW_TYPES))('%s names a workflow function exported by workflows/index.ts', (key, name) => {
    const exported = (workflows as Record<string, unknown>)[name];
    expect(typeof exported).toBe('function');
    expect((exported as { name: string }).name).toBe(name);
    expect(signatures[key as keyof typeof WORKFLOW_TYPES]).toBe(exported);
  });

  it('names every workflow function workflows/index.ts exports', () => {
    const functions = Object.entries(workflows)
      .filter(([, v]) => typeof v === 'function')
      .map(([k]) => k)
      .sort();
    expect(functions).toEqual(Object.values(WORKFLOW_TYPES).sort());
  });
});
