/** Proposal notification texts (SPEC §3.1): created/reminder → company; decisions → recruiter. */
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

/** "Guarantee expiring" notice to the company, 7 days before the end (SPEC §3.2). */
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
export function renderProtectionEmail(event: ProtectionEmailEvent, c: { candidateName: string; protectionEndsAt: Date; reason: string | null; link: string }): RenderedEmail {
  const { subject, body } = event === 'ending'
    ? { subject: `Protection of ${c.candidateName} ends soon`, body: `Your protection window for ${c.candidateName} ends on ${c.protectionEndsAt.toUTCString()}. After that other recruiters may propose them.` }
    : { subject: `Sourcing of ${c.candidateName} reassigned`, body: `A platform admin assigned the sourcing of ${c.candidateName} to another recruiter.${c.reason ? ` Reason: ${c.reason}` : ''}` };
  return { subject, text: `${body}\n\n${c.link}`, html: `<p>${escapeHtml(body)}</p><p><a href="${escapeHtml(c.link)}">Open the candidate</a></p>` };
}
