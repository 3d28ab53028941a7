/**
 * Outreach e-mails (product §3.4): recorded `sending` before they leave, then `sent` (or
 * `failed`), so no e-mail leaves without its row and a retry finds the row.
 */
export const OUTREACH_STATUSES = ['sending', 'sent', 'failed'] as const;
export type OutreachStatus = (typeof OUTREACH_STATUSES)[number];
