import { ApplicationFailure, log } from '@temporalio/activity';
import type { Resend } from 'resend';
import type { Db } from '../lib/db.js';
import type { Role } from '../domain/actors.js';
import { proposalsDal } from '../db/dal/proposals.js';
import { directoryDal } from '../db/dal/directory.js';
import { emailLogDal } from '../db/dal/email-log.js';
import { FAILURE_TYPES } from '../domain/failure-types.js';
import { type EmailRecipient, type EmailTemplate, RECIPIENT_NEEDS, describeAction } from '../domain/automation-rules.js';
import type { AutomationAction } from '../domain/automation-rules.js';
import { integrationsDal } from '../db/dal/integrations.js';
import { paymentsDal } from '../db/dal/payments.js';
import { automationDal } from '../db/dal/automation.js';
import { type ActionContext, eventId } from './db/automation.js';
import {
  type ProposalEmailEvent,
  type ProtectionEmailEvent,
  type RenderedEmail,
  renderApprovalRequestEmail,
  renderAutomationEmail,
  renderGuaranteeExpiringEmail,
  renderIntegrationAuthFailedEmail,
  renderPaymentReminderEmail,
  renderProposalEmail,
  renderProtectionEmail,
} from './email-templates.js';

export interface EmailDeps {
  resend: Resend;
  db: Db;
  from: string;
  /** Base URL of the web app, for links in e-mails. */
  appUrl: string;
}

export interface EmailResult {
  status: 'sent' | 'already_sent' | 'no_recipients';
  messageId: string | null;
}

/** Resend errors that retrying cannot fix (bad request, auth, quota): fail the activity for good. */
const PERMANENT_STATUS = new Set([400, 401, 403, 404, 405, 409, 422]);

/** E-mails through Resend, each exactly once: keyed in `email_log` and by Resend's Idempotency-Key. */
export function createEmailActivities({ resend, db, from, appUrl }: EmailDeps) {
  const proposals = proposalsDal(db);
  const directory = directoryDal(db);
  const emailLog = emailLogDal(db);

  async function send(key: string, template: string, to: string[], rendered: { subject: string; html: string; text: string }) {
    const { data, error } = await resend.emails.send(
      { from, to, subject: rendered.subject, html: rendered.html, text: rendered.text, tags: [{ name: 'template', value: template }] },
      { idempotencyKey: key },
    );
    if (error) {
      const message = `Resend refused e-mail ${key}: ${error.name}: ${error.message}`;
      if (error.statusCode !== null && PERMANENT_STATUS.has(error.statusCode)) {
        throw ApplicationFailure.nonRetryable(message, FAILURE_TYPES.EmailRejected);
      }
      throw new Error(message); // 429 / 5xx / network: Temporal retries with backoff
    }
    await emailLog.record({ idempotency_key: key, template, recipients: to, subject: rendered.subject, provider_message_id: data.id });
    return data.id;
  }

  type Composed = { to: string[]; rendered: RenderedEmail } | null;
  /**
   * The one e-mail of `key`: answered `already_sent` once logged, `no_recipients` when
   * `compose` finds nobody (null or an empty list), sent otherwise.
   */
  async function once(key: string, template: string, compose: () => Promise<Composed>): Promise<EmailResult> {
    const logged = await emailLog.find(key);
    if (logged) return { status: 'already_sent', messageId: logged.provider_message_id };
    const email = await compose();
    if (!email || email.to.length === 0) return { status: 'no_recipients', messageId: null };
    return { status: 'sent', messageId: await send(key, template, email.to, email.rendered) };
  }

  /** Company users of a role (or all platform admins), for approval requests. */
  const usersWithRole = (role: Role, companyId: string | null) => directory.usersWithRole(role, companyId);

  async function recipientsOf(to: EmailRecipient, ctx: ActionContext): Promise<string[]> {
    const id = eventId(ctx.event, RECIPIENT_NEEDS[to]);
    switch (to) {
      case 'candidate':
        return [(await directory.candidate(id))?.email].filter((e): e is string => !!e);
      case 'recruiter':
        return [(await directory.recruiterUser(id))?.email].filter((e): e is string => !!e);
      case 'hiring_manager': {
        const job = await directory.job(id);
        const manager = job?.hiring_manager_user_id ? await directory.user(job.hiring_manager_user_id) : undefined;
        return manager ? [manager.email] : [];
      }
      case 'company_admins':
        return (await usersWithRole('company_admin', id)).map((u: { email: string }) => u.email);
    }
  }

  return {
    /** Tells the company admins that their ATS refused the credentials (once per occurrence). */
    async sendIntegrationAuthFailedEmail(input: { integrationId: string; occurrence: string; error: string }): Promise<EmailResult> {
      return once(`integration-${input.integrationId}-auth-failed-${input.occurrence}`, 'integration_auth_failed', async () => {
        const integration = await integrationsDal(db).findEvenDisconnected(input.integrationId);
        if (!integration) return null;
        const admins = await usersWithRole('company_admin', integration.company_id);
        const rendered = renderIntegrationAuthFailedEmail({
          platform: integration.platform,
          name: integration.name,
          error: input.error.slice(0, 300),
          link: `${appUrl}/#/integrations/${input.integrationId}`,
        });
        return { to: admins.map((u: { email: string }) => u.email), rendered };
      });
    },

    /** An automation rule's `send_email` action: one e-mail per execution and action. */
    async sendAutomationEmail(input: ActionContext & { template: EmailTemplate; to: EmailRecipient }): Promise<EmailResult> {
      return once(`automation-${input.key}`, `automation_${input.template}`, async () => {
        const recipients = await recipientsOf(input.to, input);
        if (recipients.length === 0) {
          throw ApplicationFailure.nonRetryable(
            `the ${input.to.replace('_', ' ')} of this ${input.event.entityType} has no e-mail address`,
            FAILURE_TYPES.ActionNotApplicable,
          );
        }
        const { data } = input.event;
        const [candidate, job] = await Promise.all([
          typeof data.candidateId === 'string' ? directory.candidate(data.candidateId) : undefined,
          typeof data.jobId === 'string' ? directory.job(data.jobId) : undefined,
        ]);
        const company = job ? await directory.company(job.company_id) : undefined;
        const rendered = renderAutomationEmail(input.template, {
          candidateName: candidate?.full_name ?? 'the candidate',
          jobTitle: job?.title ?? 'the role',
          companyName: company?.name ?? 'the company',
          stage: typeof data.stageTo === 'string' ? data.stageTo : null,
          link: `${appUrl}/#/${input.event.entityType}s/${input.event.entityId}`,
        });
        return { to: recipients, rendered };
      });
    },

    /** Asks the approver role of an execution's company (or the platform admins) for a decision. */
    async sendApprovalRequestEmail(input: { executionId: string }): Promise<EmailResult> {
      const key = `approval-${input.executionId}-requested`;
      return once(key, 'approval_requested', async () => {
        const approval = await automationDal(db).findApproval(input.executionId);
        if (!approval)
          throw ApplicationFailure.nonRetryable(`no approval request for execution ${input.executionId}`, FAILURE_TYPES.InvalidState);
        const approvers = await usersWithRole(approval.approver_role, approval.company_id);
        if (approvers.length === 0) log.warn('approval request has no recipients', { key });
        const summary = approval.summary as { ruleName: string; trigger: string; actions: AutomationAction[] };
        const rendered = renderApprovalRequestEmail({
          ruleName: summary.ruleName,
          trigger: summary.trigger,
          actions: summary.actions.map(describeAction),
          expiresAt: approval.expires_at,
          link: `${appUrl}/#/approvals/${input.executionId}`,
        });
        return { to: approvers.map((u: { email: string }) => u.email), rendered };
      });
    },

    /** A protection notice to one recruiter; `key` names the occasion (one e-mail per occasion). */
    async sendProtectionEmail(input: {
      candidateId: string;
      recruiterId: string;
      event: ProtectionEmailEvent;
      protectionEndsAt: string;
      reason?: string;
      key: string;
    }): Promise<EmailResult> {
      return once(`protection-${input.key}`, `protection_${input.event}`, async () => {
        const [candidate, recruiter] = await Promise.all([
          directory.candidate(input.candidateId),
          directory.recruiterUser(input.recruiterId),
        ]);
        if (!recruiter) return null;
        const rendered = renderProtectionEmail(input.event, {
          candidateName: candidate?.full_name ?? 'your candidate',
          protectionEndsAt: new Date(input.protectionEndsAt),
          reason: input.reason ?? null,
          link: `${appUrl}/#/candidates/${input.candidateId}`,
        });
        return { to: [recruiter.email], rendered };
      });
    },

    /** The company's "guarantee expiring" notice; `guaranteeEndsAt` is part of the key, so an extended guarantee gets its own notice. */
    async sendGuaranteeExpiringEmail(input: { placementId: string; guaranteeEndsAt: string }): Promise<EmailResult> {
      return once(`placement-${input.placementId}-guarantee-expiring-${input.guaranteeEndsAt}`, 'guarantee_expiring', async () => {
        const placement = await directory.placement(input.placementId);
        if (!placement) throw ApplicationFailure.nonRetryable(`placement ${input.placementId} not found`, FAILURE_TYPES.PlacementNotFound);
        const [job, candidate, admins] = await Promise.all([
          directory.job(placement.job_id),
          directory.candidate(placement.candidate_id),
          usersWithRole('company_admin', placement.company_id),
        ]);
        const rendered = renderGuaranteeExpiringEmail({
          candidateName: candidate?.full_name ?? 'your hire',
          jobTitle: job?.title ?? 'the role',
          guaranteeEndsAt: new Date(input.guaranteeEndsAt),
          link: `${appUrl}/#/placements/${input.placementId}`,
        });
        return { to: admins.map((a: { email: string }) => a.email), rendered };
      });
    },

    /** Reminder number `reminder` of an unpaid fee to the company's active admins, with the amount, due date and invoice link. */
    async sendPaymentReminderEmail(input: { placementId: string; reminder: number }): Promise<EmailResult> {
      return once(`placement-${input.placementId}-payment-reminder-${input.reminder}`, 'payment_reminder', async () => {
        const payments = paymentsDal(db);
        const [payment, placement] = await Promise.all([payments.find(input.placementId), payments.snapshot(input.placementId)]);
        if (!payment || !placement || !payment.due_at || !payment.hosted_invoice_url) {
          throw ApplicationFailure.nonRetryable(`placement ${input.placementId} has no open fee invoice`, FAILURE_TYPES.PaymentNotFound);
        }
        const rendered = renderPaymentReminderEmail({
          reminder: input.reminder,
          candidateName: placement.candidate_name ?? 'your hire',
          jobTitle: placement.job_title ?? 'the role',
          amountCents: payment.amount_cents - payment.amount_paid_cents,
          currency: payment.currency,
          dueAt: payment.due_at,
          invoiceUrl: payment.hosted_invoice_url,
        });
        return { to: await payments.billingContacts(placement.company_id), rendered };
      });
    },

    async sendProposalEmail(input: { proposalId: string; event: ProposalEmailEvent }): Promise<EmailResult> {
      const key = `proposal-${input.proposalId}-${input.event}`;
      return once(key, `proposal_${input.event}`, async () => {
        const proposal = await proposals.findById(input.proposalId);
        if (!proposal) {
          throw ApplicationFailure.nonRetryable(`proposal ${input.proposalId} not found`, FAILURE_TYPES.ProposalNotFound);
        }
        const [job, candidate, recruiter] = await Promise.all([
          directory.job(proposal.job_id),
          directory.candidate(proposal.candidate_id),
          directory.recruiter(proposal.recruiter_id),
        ]);
        const toCompany = input.event === 'created' || input.event === 'reminder';
        const recipients = toCompany
          ? await directory.jobDecisionMakers(proposal.job_id)
          : [await directory.recruiterUser(proposal.recruiter_id)].filter((u) => u !== undefined);
        if (recipients.length === 0) log.warn('proposal e-mail has no recipients', { key });
        const rendered = renderProposalEmail(input.event, {
          candidateName: candidate?.full_name ?? 'a candidate',
          jobTitle: job?.title ?? 'your role',
          recruiterName: recruiter?.display_name ?? 'A recruiter',
          decisionDeadline: proposal.decision_deadline,
          reason: proposal.decision_reason,
          link: `${appUrl}/#/proposals/${proposal.id}`,
        });
        return { to: recipients.map((u) => u.email), rendered };
      });
    },
  };
}
