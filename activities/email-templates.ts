import type { EmailTemplate } from '../domain/automation-rules.js';

/** Proposal notification texts (product §3.1): created/reminder → company; decisions → recruiter. */
export type ProposalEmailEvent = 'created' | 'reminder' | 'accepted' | 'declined' | 'timed_out';

export interface ProposalEmailContext {
  candidateName: string;
  jobTitle: string;
  recruiterName: string;
  decisionDeadline: Date;
  reason: string | null;
  link: string;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const LINES: Record<ProposalEmailEvent, (c: ProposalEmailContext) => { subject: string; body: string }> = {
  created: (c) => ({
    subject: `New candidate proposed for ${c.jobTitle}: ${c.candidateName}`,
    body: `${c.recruiterName} proposed ${c.candidateName} for ${c.jobTitle}. Please accept or decline by ${c.decisionDeadline.toUTCString()}.`,
  }),
  reminder: (c) => ({
    subject: `Reminder: decide on ${c.candidateName} for ${c.jobTitle}`,
    body: `The proposal of ${c.candidateName} for ${c.jobTitle} times out at ${c.decisionDeadline.toUTCString()}.`,
  }),
  accepted: (c) => ({
    subject: `Accepted: ${c.candidateName} for ${c.jobTitle}`,
    body: `The company accepted your proposal of ${c.candidateName} for ${c.jobTitle}. The application is now submitted.`,
  }),
  declined: (c) => ({
    subject: `Declined: ${c.candidateName} for ${c.jobTitle}`,
    body: `The company declined your proposal of ${c.candidateName} for ${c.jobTitle}.${c.reason ? ` Reason: ${c.reason}` : ''}`,
  }),
  timed_out: (c) => ({
    subject: `Timed out: ${c.candidateName} for ${c.jobTitle}`,
    body: `Your proposal of ${c.candidateName} for ${c.jobTitle} received no decision by ${c.decisionDeadline.toUTCString()} and has timed out.`,
  }),
};

export function renderProposalEmail(event: ProposalEmailEvent, ctx: ProposalEmailContext): RenderedEmail {
  const { subject, body } = LINES[event](ctx);
  return {
    subject,
    text: `${body}\n\n${ctx.link}`,
    html: `<p>${escapeHtml(body)}</p><p><a href="${escapeHtml(ctx.link)}">Open the proposal</a></p>`,
  };
}

export interface GuaranteeEmailContext {
  candidateName: string;
  jobTitle: string;
  guaranteeEndsAt: Date;
  link: string;
}

/** "Guarantee expiring" notice to the company, 7 days before the end (product §3.2). */
export function renderGuaranteeExpiringEmail(c: GuaranteeEmailContext): RenderedEmail {
  const body = `The guarantee period of ${c.candidateName} as ${c.jobTitle} ends on ${c.guaranteeEndsAt.toUTCString()}. Report a failure before then if the hire did not work out; afterwards the held fee is released to the recruiters.`;
  return {
    subject: `Guarantee ending soon: ${c.candidateName} (${c.jobTitle})`,
    text: `${body}\n\n${c.link}`,
    html: `<p>${escapeHtml(body)}</p><p><a href="${escapeHtml(c.link)}">Open the placement</a></p>`,
  };
}

export type ProtectionEmailEvent = 'ending' | 'overridden';

/** To the sourcer: the window ends in 3 days; or to the losing recruiter: an admin gave the candidate to another. */
export function renderProtectionEmail(
  event: ProtectionEmailEvent,
  c: { candidateName: string; protectionEndsAt: Date; reason: string | null; link: string },
): RenderedEmail {
  const { subject, body } =
    event === 'ending'
      ? {
          subject: `Protection of ${c.candidateName} ends soon`,
          body: `Your protection window for ${c.candidateName} ends on ${c.protectionEndsAt.toUTCString()}. After that other recruiters may propose them.`,
        }
      : {
          subject: `Sourcing of ${c.candidateName} reassigned`,
          body: `A platform admin assigned the sourcing of ${c.candidateName} to another recruiter.${c.reason ? ` Reason: ${c.reason}` : ''}`,
        };
  return {
    subject,
    text: `${body}\n\n${c.link}`,
    html: `<p>${escapeHtml(body)}</p><p><a href="${escapeHtml(c.link)}">Open the candidate</a></p>`,
  };
}

export interface AutomationEmailContext {
  candidateName: string;
  jobTitle: string;
  companyName: string;
  stage: string | null;
  link: string;
}

/** The texts an automation rule may send (its `send_email` action names one). */
const AUTOMATION_LINES: Record<EmailTemplate, (c: AutomationEmailContext) => { subject: string; body: string }> = {
  stage_update: (c) => ({
    subject: `Update on ${c.candidateName} for ${c.jobTitle}`,
    body: `${c.candidateName}'s application for ${c.jobTitle} at ${c.companyName} ${c.stage ? `moved to the ${c.stage} stage` : 'has an update'}.`,
  }),
  interview_invitation: (c) => ({
    subject: `Interview: ${c.jobTitle} at ${c.companyName}`,
    body: `${c.companyName} would like to interview ${c.candidateName} for ${c.jobTitle}. You will receive the scheduling details shortly.`,
  }),
  offer: (c) => ({
    subject: `Offer: ${c.jobTitle} at ${c.companyName}`,
    body: `${c.companyName} is preparing an offer for ${c.candidateName} for ${c.jobTitle}.`,
  }),
  rejection: (c) => ({
    subject: `Your application for ${c.jobTitle} at ${c.companyName}`,
    body: `Thank you for your interest in ${c.jobTitle} at ${c.companyName}. After careful review the company has decided not to move forward with ${c.candidateName}'s application.`,
  }),
  follow_up: (c) => ({
    subject: `Follow up: ${c.candidateName} for ${c.jobTitle}`,
    body: `Please follow up on ${c.candidateName}'s application for ${c.jobTitle} at ${c.companyName}.`,
  }),
};

export function renderAutomationEmail(template: EmailTemplate, c: AutomationEmailContext): RenderedEmail {
  const { subject, body } = AUTOMATION_LINES[template](c);
  return { subject, text: `${body}\n\n${c.link}`, html: `<p>${escapeHtml(body)}</p><p><a href="${escapeHtml(c.link)}">Open</a></p>` };
}

/** To the approvers: an automation rule waits for their decision until the approval expires. */
export function renderApprovalRequestEmail(c: {
  ruleName: string;
  trigger: string;
  actions: string[];
  expiresAt: Date;
  link: string;
}): RenderedEmail {
  const body = `The automation rule "${c.ruleName}" (on ${c.trigger}) wants to: ${c.actions.join('; ')}. Approve or reject it before ${c.expiresAt.toUTCString()}; without an answer nothing is done.`;
  return {
    subject: `Approval needed: ${c.ruleName}`,
    text: `${body}\n\n${c.link}`,
    html: `<p>${escapeHtml(body)}</p><p><a href="${escapeHtml(c.link)}">Open the approval</a></p>`,
  };
}

/** To the company admins: the ATS refused the integration's credentials, so syncing is paused. */
export function renderIntegrationAuthFailedEmail(c: { platform: string; name: string; error: string; link: string }): RenderedEmail {
  const body = `${c.platform} refused the credentials of the integration "${c.name}" (${c.error}). Syncing is paused until new credentials are saved or the integration is resumed.`;
  return {
    subject: `Action needed: ${c.platform} sync paused`,
    text: `${body}\n\n${c.link}`,
    html: `<p>${escapeHtml(body)}</p><p><a href="${escapeHtml(c.link)}">Open the integration</a></p>`,
  };
}

/** A reminder to the company that its placement fee is overdue (money in, product §3.3). */
export function renderPaymentReminderEmail(c: {
  reminder: number;
  candidateName: string;
  jobTitle: string;
  amountCents: number;
  currency: string;
  dueAt: Date;
  invoiceUrl: string;
}): RenderedEmail {
  const amount = `${(c.amountCents / 100).toFixed(2)} ${c.currency.toUpperCase()}`;
  const body = `The placement fee of ${amount} for ${c.candidateName} as ${c.jobTitle} was due on ${c.dueAt.toUTCString()} and is not paid yet. Nothing is paid out to the recruiters before it is.`;
  return {
    subject: `${c.reminder > 1 ? `Reminder ${c.reminder}: ` : 'Reminder: '}placement fee of ${amount} is overdue`,
    text: `${body}\n\nPay the invoice: ${c.invoiceUrl}`,
    html: `<p>${escapeHtml(body)}</p><p><a href="${escapeHtml(c.invoiceUrl)}">Pay the invoice</a></p>`,
  };
}
