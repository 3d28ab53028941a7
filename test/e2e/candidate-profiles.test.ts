import { beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { createMarketplace } from '../../testkit/harness/factories.js';
import type { ApiHarness } from '../../testkit/harness/api-harness.js';
import { SHOTS, useBrowser } from '../support/browser.js';

const browser = useBrowser();
let h: ApiHarness;
beforeAll(() => {
  h = browser.h;
});

const PDF = Buffer.from('%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n');

describe('candidates added by hand in the browser', () => {
  it('a recruiter adds a candidate with a CV; a second add with the same e-mail is caught and links to the first; search finds it', async () => {
    const m = await createMarketplace(h.db);
    const word = `zq${randomUUID().slice(0, 8)}`;
    const page = await browser.signedIn(m.actors.recruiter);

    await page.getByTestId('nav-candidates').click();
    await page.getByTestId('new-candidate').click();
    await page.getByTestId('field-fullName').fill(`Ada ${word}`);
    await page.getByTestId('field-email').fill(`ada.${word}@example.com`);
    // A number no other test file (sharing the database) has added.
    await page.getByTestId('field-phone').fill(`+44 20 ${Math.floor(Math.random() * 9_000_000) + 1_000_000}`);
    await page.getByTestId('field-skills').fill(`Analysis, ${word}skill`);
    // Too big is said before anything is sent; the server judges the real file.
    await page
      .getByTestId('cv-input')
      .setInputFiles({ name: 'big.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(5 * 1024 * 1024 + 1, 0x20) });
    await expect.poll(() => page.getByTestId('cv-hint').textContent()).toContain('at most 5 MiB');
    await expect(page.getByTestId('cv-hint').getAttribute('class')).resolves.toContain('field-error');
    await page.getByTestId('cv-input').setInputFiles({ name: 'Ada CV.pdf', mimeType: 'application/pdf', buffer: PDF });
    await page.getByTestId('submit-candidate').click();

    await expect
      .poll(() =>
        page
          .getByTestId('candidate-name')
          .textContent()
          .catch(() => null),
      )
      .toBe(`Ada ${word}`);
    await expect(page.getByTestId('notice').first().textContent()).resolves.toContain('Candidate added.');
    await expect(page.getByTestId('cv-download').textContent()).resolves.toContain('Ada CV.pdf');
    const firstUrl = page.url();
    const firstId = /#\/candidates\/([0-9a-f-]{36})\/profile/.exec(firstUrl)?.[1];
    expect(firstId).toBeDefined();
    expect(await h.db('candidate_files').where({ candidate_id: firstId })).toHaveLength(1);
    await page.screenshot({ path: path.join(SHOTS, 'candidate-profile.png'), fullPage: true });

    // The same person again, the address typed differently: the prompt offers the first record instead.
    await page.getByTestId('nav-candidates').click();
    await page.getByTestId('new-candidate').click();
    await page.getByTestId('field-fullName').fill('Ada L.');
    await page.getByTestId('field-email').fill(`  ADA.${word}@Example.com `);
    await page.getByTestId('submit-candidate').click();
    await page.getByTestId('duplicate-prompt').waitFor();
    await expect(page.getByTestId('duplicate-link').getAttribute('href')).resolves.toBe(`#/candidates/${firstId}/profile`);
    await expect(page.getByTestId('duplicate-link').textContent()).resolves.toBe(`Ada ${word}`);
    await page.screenshot({ path: path.join(SHOTS, 'candidate-duplicate.png'), fullPage: true });
    expect(await h.db('candidates').where({ email_normalized: `ada.${word}@example.com` })).toHaveLength(1);
    await page.getByTestId('duplicate-link').click();
    await expect
      .poll(() =>
        page
          .getByTestId('candidate-name')
          .textContent()
          .catch(() => null),
      )
      .toBe(`Ada ${word}`);

    // Search by a skill's prefix finds her, linking to the profile.
    await page.getByTestId('nav-candidates').click();
    await page.getByTestId('search-candidates').click();
    await page.getByTestId('candidate-search-input').fill(`${word}sk`);
    await page.getByTestId('candidate-search').locator('button[type="submit"]').click();
    const hit = page.locator(`[data-testid="candidate-hit"][data-id="${firstId}"]`);
    await hit.waitFor();
    await expect(page.getByTestId('candidate-hit').count()).resolves.toBe(1);
    await page.screenshot({ path: path.join(SHOTS, 'candidate-search.png'), fullPage: true });
    await hit.locator('a').click();
    await expect
      .poll(() =>
        page
          .getByTestId('candidate-name')
          .textContent()
          .catch(() => null),
      )
      .toBe(`Ada ${word}`);
  });
});
