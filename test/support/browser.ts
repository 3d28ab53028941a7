import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../scripts/lib/tools.js';
import { startApiHarness, type ApiHarness } from '../../testkit/harness/api-harness.js';
import type { Marketplace } from '../../testkit/harness/factories.js';

/** Screenshots of the views, for people to look at (git-ignored). */
export const SHOTS = path.join(PROJECT_ROOT, 'test-results', 'screenshots');

export type Actor = Marketplace['actors'][keyof Marketplace['actors']];

export interface BrowserHarness {
  /** The real stack the pages talk to. */
  readonly h: ApiHarness;
  /**
   * A page signed in as `actor` through the sign-in form's access-token fallback (quick, and
   * good for users the directory does not have; test/e2e/sign-in.test.ts covers the e-mailed link). `holdTimers` pauses the page's
   * clock, so its 10-second refreshes never run: it keeps what it loaded (a stale tab).
   * `viewport` sizes the window (a wide desktop, a phone).
   */
  signedIn(actor: Actor, opts?: { holdTimers?: boolean; viewport?: { width: number; height: number } }): Promise<Page>;
  /** A page of its own (cookies included) that has signed in as no one. */
  newPage(): Promise<Page>;
}

/**
 * For a browser test file: the API stack and Debian's Chromium (never a downloaded
 * browser; CHROMIUM_PATH overrides), started before the file's tests and stopped after.
 * `harness` options go to the API stack (e.g. the development sign-in page turned on).
 */
export function useBrowser(harness: Parameters<typeof startApiHarness>[1] = {}): BrowserHarness {
  let h: ApiHarness | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    [h, browser] = await Promise.all([
      startApiHarness(undefined, harness),
      chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] }),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await h?.stop();
  });
  return {
    get h() {
      return h!;
    },
    newPage: () => browser!.newPage(),
    async signedIn(actor, opts = {}) {
      const page = await browser!.newPage({ acceptDownloads: true, ...(opts.viewport && { viewport: opts.viewport }) });
      if (opts.holdTimers) {
        await page.clock.install();
        await page.clock.pauseAt(new Date(Date.now() + 1000));
      }
      await page.goto(`${h!.baseUrl}/`);
      await page.getByTestId('sign-in-with-token').locator('summary').click();
      await page.getByTestId('sign-in-token').fill(await h!.token(actor));
      await page.getByTestId('sign-in-submit').click();
      await page.getByTestId('signed-in-as').waitFor();
      return page;
    },
  };
}

/**
 * Waits for `target` in a newest-first list that other test files keep adding to (they share the
 * database): while it is not there, "Load more" brings the next page, since newer rows (or a
 * refresh) may have pushed it past the first one.
 */
export async function shownInList(page: Page, target: Locator, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await target.isVisible())) {
    if (Date.now() > deadline) return target.waitFor({ timeout: 1 }); // fails with the locator in its message
    const more = page.getByTestId('load-more');
    if (await more.isVisible()) await more.click().catch(() => undefined);
    await page.waitForTimeout(250);
  }
}

/** Elements under `selector` wider than their box (content cut off or scrolled sideways), and the page's own overflow. */
export async function overflow(page: Page, selector: string) {
  return {
    page: await page.locator('html').evaluate((html) => html.scrollWidth - html.clientWidth),
    boxes: await page
      .locator(selector)
      .evaluateAll((els) =>
        els
          .filter((el) => el.scrollWidth > el.clientWidth + 1)
          .map((el) => `${el.tagName.toLowerCase()}.${el.getAttribute('class')} ${el.scrollWidth} > ${el.clientWidth}`),
      ),
  };
}
