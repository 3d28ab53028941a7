import type { Page } from 'playwright-core';
import { eventually, type ApiHarness } from '../../testkit/harness/api-harness.js';
import { freshIp } from '../../testkit/harness/sign-in.js';

/**
 * The sign-in link of the newest e-mail the Resend fake holds for `email` since `after` (a
 * magic link asked for, or an invitation), as the address it points at on this test server:
 * its hash (`#/sign-in/verify?token=…`) on the harness's base URL.
 */
export async function linkFromInbox(h: ApiHarness, email: string, after: Date, timeoutMs = 20_000): Promise<string> {
  const hash = await eventually(async () => {
    const mail = h.resend
      .emails()
      .filter((e) => e.to?.includes(email) && new Date(e.created_at) >= after && /token=/.test(e.text ?? ''))
      .reverse()[0];
    const link = mail?.text?.match(/https?:\/\/\S+/)?.[0];
    return link ? new URL(link).hash : undefined;
  }, timeoutMs);
  if (!hash) throw new Error(`no e-mailed link for ${email}`);
  return `${h.baseUrl}/${hash}`;
}

/** A browser page of its own, from its own client address (so sign-in rate limits are not shared with other files). */
export async function pageFrom(newPage: () => Promise<Page>): Promise<Page> {
  const page = await newPage();
  await page.setExtraHTTPHeaders({ 'x-forwarded-for': freshIp() });
  return page;
}

/** Signs `email` in the way a person does: the sign-in form asks for a link, the link is followed from the inbox. */
export async function signInByLink(page: Page, h: ApiHarness, email: string): Promise<void> {
  await page.goto(`${h.baseUrl}/`);
  const asked = new Date();
  await page.getByTestId('sign-in-email').fill(email);
  await page.getByTestId('sign-in-email-submit').click();
  await page.getByTestId('sign-in-sent').waitFor();
  await page.goto(await linkFromInbox(h, email, asked));
  await page.getByTestId('signed-in-as').waitFor();
}
