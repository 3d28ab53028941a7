import { ApplicationFailure, log } from '@temporalio/activity';
import type { Resend } from 'resend';
import type { Db } from '../lib/db.js';
import { proposalsDal } from '../db/dal/proposals.js';
import { directoryDal } from '../db/dal/directory.js';
import { emailLogDal } from '../db/dal/email-log.js';
import { FAILURE_TYPES } from '../workflows/constants.js';
import { type ProposalEmailEvent, type ProtectionEmailEvent, renderGuaranteeExpiringEmail, renderProposalEmail, renderProtectionEmail } from './email-templates.js';

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

  return {
    /** A protection notice to one recruiter; `key` names the occasion (one e-mail per occasion). */
    async sendProtectionEmail(input: { candidateId: string; recruiterId: string; event: ProtectionEmailEvent; protectionEndsAt: string; reason?: string; key: string }): Promise<EmailResult> {
      const key = `protection-${input.key}`;
      const logged = await emailLog.find(key);
      if (logged) return { status: 'already_sent', messageId: logged.provider_message_id };
      const [candidate, recruiter] = await Promise.all([directory.candidate(input.candidateId), directory.recruiterUser(input.recruiterId)]);
      if (!recruiter) return { status: 'no_recipients', messageId: null };
      const rendered = renderProtectionEmail(input.event, {
        candidateName: candidate?.full_name ?? 'your candidate', protectionEndsAt: new Date(input.protectionEndsAt), reason: input.reason ?? null,
        link: `${appUrl}/#/candidates/${input.candidateId}`,
      });
      return { status: 'sent', messageId: await send(key, `protection_${input.event}`, [recruiter.email], rendered) };
    },

    /** The company's "guarantee expiring" notice; `guaranteeEndsAt` is part of the key, so an extended guarantee gets its own notice. */
    async sendGuaranteeExpiringEmail(input: { placementId: string; guaranteeEndsAt: string }): Promise<EmailResult> {
      const key = `placement-${input.placementId}-guarantee-expiring-${input.guaranteeEndsAt}`;
      const logged = await emailLog.find(key);
      if (logged) return { status: 'already_sent', messageId: logged.provider_message_id };
      const placement = await db('placements').where({ id: input.placementId }).first();
      if (!placement) throw ApplicationFailure.nonRetryable(`placement ${input.placementId} not found`, FAILURE_TYPES.PlacementNotFound);
      const [job, candidate, admins] = await Promise.all([
        directory.job(placement.job_id),
        directory.candidate(placement.candidate_id),
        db('users').where({ company_id: placement.company_id, role: 'company_admin' }).orderBy('email').select('email'),
      ]);
      if (admins.length === 0) return { status: 'no_recipients', messageId: null };
      const rendered = renderGuaranteeExpiringEmail({
        candidateName: candidate?.full_name ?? 'your hire', jobTitle: job?.title ?? 'the role',
        guaranteeEndsAt: new Date(input.guaranteeEndsAt), link: `${appUrl}/#/placements/${input.placementId}`,
      });
      const messageId = await send(key, 'guarantee_expiring', admins.map((a: { email: string }) => a.email), rendered);
      return { status: 'sent', messageId };
    },

    async sendProposalEmail(input: { proposalId: string; event: ProposalEmailEvent }): Promise<EmailResult> {
      const key = `proposal-${input.proposalId}-${input.event}`;
      const logged = await emailLog.find(key);
      if (logged) return { status: 'already_sent', messageId: logged.provider_message_id };

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
      if (recipients.length === 0) {
        log.warn('proposal e-mail has no recipients', { key });
        return { status: 'no_recipients', messageId: null };
      }
      const rendered = renderProposalEmail(input.event, {
        candidateName: candidate?.full_name ?? 'a candidate',
        jobTitle: job?.title ?? 'your role',
        recruiterName: recruiter?.display_name ?? 'A recruiter',
        decisionDeadline: proposal.decision_deadline,
        reason: proposal.decision_reason,
        link: `${appUrl}/#/proposals/${proposal.id}`,
      });
      const messageId = await send(key, `proposal_${input.event}`, recipients.map((u) => u.email), rendered);
      return { status: 'sent', messageId };
    },
  };
}
