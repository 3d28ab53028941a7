import { describe, expect, it } from 'vitest';
import type { Actor } from '../../domain/actors.js';
import { checkApprovalCommand, mayDecide } from '../../domain/approval-rules.js';
import { checkIntegrationCommand } from '../../domain/ats-rules.js';
import { actsForCompany } from '../../domain/command-rules.js';
import { checkSplitCommand } from '../../domain/payout-rules.js';
import { SYSTEM_ACTOR } from '../../domain/actors.js';
import { type PlacementSituation, checkPlacementCommand } from '../../domain/placement-rules.js';
import { checkProtectionCommand } from '../../domain/protection-rules.js';

// The rules are pure: the workflows' validators and the API's pre-checks get the same first refusal.
const admin: Actor = { userId: 'u-admin', role: 'platform_admin' };
const companyAdmin: Actor = { userId: 'u-ca', role: 'company_admin', companyId: 'c1' };
const otherCompanyAdmin: Actor = { userId: 'u-ca2', role: 'company_admin', companyId: 'c2' };
const hiringManager: Actor = { userId: 'u-hm', role: 'hiring_manager', companyId: 'c1' };
const sourcer: Actor = { userId: 'u-r', role: 'recruiter', recruiterId: 'r1' };

describe('actsForCompany', () => {
  it('lets platform admins act for any company and others only for their own, never for no company', () => {
    expect(actsForCompany(admin, ['company_admin', 'platform_admin'], 'c1')).toBe(true);
    expect(actsForCompany(companyAdmin, ['company_admin'], 'c1')).toBe(true);
    expect(actsForCompany(otherCompanyAdmin, ['company_admin'], 'c1')).toBe(false);
    expect(actsForCompany(hiringManager, ['company_admin'], 'c1')).toBe(false);
    expect(actsForCompany({ userId: 'x', role: 'company_admin', companyId: null }, ['company_admin'], null)).toBe(false);
  });
});

describe('checkPlacementCommand', () => {
  const running: PlacementSituation = { companyId: 'c1', state: 'active', guaranteeRunning: true, failureAwaitingDecision: false };

  it('refuses the wrong company before the state', () => {
    expect(checkPlacementCommand({ command: 'activateEarly', actor: otherCompanyAdmin }, { ...running, state: 'active' })).toEqual({
      type: 'Forbidden',
      message: 'requires role company_admin or platform_admin of this company',
    });
    expect(checkPlacementCommand({ command: 'activateEarly', actor: companyAdmin }, running)).toEqual({
      type: 'InvalidState',
      message: 'cannot activate a placement that is active',
    });
  });

  it('checks an extension: admin, running guarantee, days, then the reason', () => {
    const extend = (actor: Actor, days: number, reason: string, situation = running) =>
      checkPlacementCommand({ command: 'extendGuarantee', actor, days, reason }, situation);
    expect(extend(companyAdmin, 10, 'why')?.message).toBe('requires role platform_admin of this company');
    expect(extend(admin, 10, 'why', { ...running, guaranteeRunning: false })?.message).toBe('only a running guarantee can be extended');
    expect(extend(admin, 366, 'why')?.message).toBe('extend by 1 to 365 days');
    expect(extend(admin, 10, '   ')?.message).toBe('a reason is required');
    expect(extend(admin, 10, 'why')).toBeUndefined();
  });

  it('refuses an unstorable refund reason as InvalidData, after the decision check', () => {
    const waiting = { ...running, failureAwaitingDecision: true };
    expect(checkPlacementCommand({ command: 'chooseRefund', actor: companyAdmin, reason: 'bad\u0000' }, running)?.message).toBe(
      'no reported failure is waiting for a decision',
    );
    expect(checkPlacementCommand({ command: 'chooseRefund', actor: companyAdmin, reason: 'bad\u0000' }, waiting)).toEqual({
      type: 'InvalidData',
      message: 'the reason contains a NUL character (U+0000)',
    });
    expect(checkPlacementCommand({ command: 'chooseReplacement', actor: companyAdmin, candidateId: 'nope' }, waiting)?.message).toBe(
      'candidateId must be a UUID',
    );
  });
});

describe('checkSplitCommand', () => {
  it('refuses non-admins, unknown or unblocked splits, then bad arguments', () => {
    const blocked = { split: { status: 'blocked' as const }, resolving: false };
    expect(checkSplitCommand({ command: 'retry', actor: companyAdmin, splitId: 's1' }, blocked)?.type).toBe('Forbidden');
    expect(checkSplitCommand({ command: 'retry', actor: admin, splitId: 's1' }, { split: undefined, resolving: false })?.message).toBe(
      'split s1 is not part of this payout',
    );
    expect(checkSplitCommand({ command: 'retry', actor: admin, splitId: 's1' }, { ...blocked, resolving: true })?.message).toBe(
      'split s1 is being resolved, not blocked',
    );
    expect(
      checkSplitCommand({ command: 'retry', actor: admin, splitId: 's1' }, { split: { status: 'paid' }, resolving: false })?.message,
    ).toBe('split s1 is paid, not blocked');
    expect(checkSplitCommand({ command: 'changeAccount', actor: admin, splitId: 's1', stripeAccountId: 'x' }, blocked)?.message).toBe(
      'not a Stripe connected account id (acct_…)',
    );
    expect(checkSplitCommand({ command: 'cancel', actor: admin, splitId: 's1', reason: ' ' }, blocked)?.message).toBe(
      'cancelling a split requires a reason',
    );
    expect(
      checkSplitCommand({ command: 'changeAccount', actor: admin, splitId: 's1', stripeAccountId: 'acct_1' }, blocked),
    ).toBeUndefined();
  });
});

describe('checkSplitCommand for the system', () => {
  it('lets the system retry a blocked split or pay it to the account that became able to receive transfers, never cancel it', () => {
    const blocked = { split: { status: 'blocked' as const }, resolving: false };
    expect(checkSplitCommand({ command: 'retry', actor: SYSTEM_ACTOR, splitId: 's1' }, blocked)).toBeUndefined();
    expect(
      checkSplitCommand({ command: 'changeAccount', actor: SYSTEM_ACTOR, splitId: 's1', stripeAccountId: 'acct_1' }, blocked),
    ).toBeUndefined();
    expect(checkSplitCommand({ command: 'cancel', actor: SYSTEM_ACTOR, splitId: 's1', reason: 'x' }, blocked)?.type).toBe('Forbidden');
    // A split no longer blocked is refused to the system as to an admin.
    expect(
      checkSplitCommand({ command: 'retry', actor: SYSTEM_ACTOR, splitId: 's1' }, { split: { status: 'paid' }, resolving: false })?.message,
    ).toBe('split s1 is paid, not blocked');
  });
});

describe('checkProtectionCommand', () => {
  const protectedBy = { state: 'protected' as const, recruiterId: 'r1', changing: false };

  it('lets only the sourcer release, and refuses while another change is recorded', () => {
    expect(checkProtectionCommand({ command: 'release', actor: { ...sourcer, recruiterId: 'r2' } }, protectedBy)?.message).toBe(
      'only the sourcer can release the protection',
    );
    expect(checkProtectionCommand({ command: 'release', actor: sourcer }, { ...protectedBy, changing: true })?.message).toBe(
      'another change of this protection is being recorded',
    );
    expect(checkProtectionCommand({ command: 'release', actor: sourcer }, protectedBy)).toBeUndefined();
  });

  it('checks an admin decision: role, reason, state, then its own argument', () => {
    expect(checkProtectionCommand({ command: 'override', actor: sourcer, recruiterId: 'r2', reason: 'x' }, protectedBy)?.type).toBe(
      'Forbidden',
    );
    expect(checkProtectionCommand({ command: 'extend', actor: admin, days: 0, reason: '' }, protectedBy)?.message).toBe(
      'a reason is required',
    );
    expect(
      checkProtectionCommand({ command: 'extend', actor: admin, days: 0, reason: 'x' }, { ...protectedBy, state: 'expired' })?.message,
    ).toBe('the candidate is expired, not protected');
    expect(checkProtectionCommand({ command: 'extend', actor: admin, days: 0, reason: 'x' }, protectedBy)?.message).toBe(
      'extend by 1 to 365 days',
    );
    expect(checkProtectionCommand({ command: 'override', actor: admin, recruiterId: 'r1', reason: 'x' }, protectedBy)?.message).toBe(
      'this recruiter already owns the candidate',
    );
  });
});

describe('checkApprovalCommand', () => {
  const parties = { approverRole: 'company_admin' as const, companyId: 'c1' };
  const approval = { status: 'pending' as const, expiresAt: '2026-01-02T00:00:00.000Z', decidedBy: null, comment: null };
  const before = Date.parse('2026-01-01T00:00:00.000Z');

  it('refuses in order: not pending, being decided, expired, not an approver', () => {
    expect(checkApprovalCommand(companyAdmin, parties, { approval: null, beingDecided: false, now: before })?.message).toBe(
      'this execution is not waiting for approval',
    );
    expect(
      checkApprovalCommand(companyAdmin, parties, { approval: { ...approval, status: 'approved' }, beingDecided: false, now: before })
        ?.message,
    ).toBe('this approval is already approved');
    expect(checkApprovalCommand(companyAdmin, parties, { approval, beingDecided: true, now: before })?.message).toBe(
      'this approval is being decided',
    );
    expect(
      checkApprovalCommand(otherCompanyAdmin, parties, { approval, beingDecided: false, now: Date.parse(approval.expiresAt) })?.type,
    ).toBe('ApprovalExpired');
    expect(checkApprovalCommand(otherCompanyAdmin, parties, { approval, beingDecided: false, now: before })).toEqual({
      type: 'Forbidden',
      message: 'only a company admin of this company can decide this approval',
    });
    expect(checkApprovalCommand(companyAdmin, parties, { approval, beingDecided: false, now: before })).toBeUndefined();
  });

  it('never lets a company role decide an approval without a company', () => {
    expect(mayDecide({ ...companyAdmin, companyId: null }, { approverRole: 'company_admin', companyId: null })).toBe(false);
    expect(mayDecide(admin, { approverRole: 'company_admin', companyId: null })).toBe(true);
  });
});

describe('checkIntegrationCommand', () => {
  const active = { companyId: 'c1', state: 'active' as const };

  it("refuses other companies and disconnected integrations before the command's own check", () => {
    expect(checkIntegrationCommand({ command: 'pause', actor: otherCompanyAdmin }, active)?.message).toBe(
      'only a company admin of this company can manage its integration',
    );
    expect(checkIntegrationCommand({ command: 'resume', actor: companyAdmin }, { ...active, state: 'deleted' })?.message).toBe(
      'this integration is disconnected',
    );
    expect(checkIntegrationCommand({ command: 'resume', actor: companyAdmin }, active)?.message).toBe('the integration is already running');
    expect(checkIntegrationCommand({ command: 'pause', actor: companyAdmin }, { ...active, state: 'paused' })?.message).toBe(
      'the integration is already paused',
    );
    expect(
      checkIntegrationCommand({ command: 'changeConfig', actor: companyAdmin, config: { intervalMinutes: 0 } }, active)?.message,
    ).toMatch(/^the interval is \d+ to \d+ minutes$/);
    expect(checkIntegrationCommand({ command: 'changeConfig', actor: admin, config: {} }, active)).toBeUndefined();
  });
});
