import type { Browser, Page } from 'playwright-core';
import { accessibilityViolations, seriousViolations } from './axe';
import { launchChromium } from './chromium';

/**
 * The accessibility check every screen test relies on (test/browser/axe.ts), on a page with known
 * faults: a check that found nothing here would pass every screen.
 */
describe('axe-core check', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium();
    page = await browser.newPage();
    await page.setContent(`<!doctype html><html lang="en"><head><title>Faults</title><meta name="viewport" content="width=device-width, user-scalable=no"></head><body>
      <main>
        <h1>Faults</h1>
        <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
      </main></body></html>`);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('names every violation with its impact and target, and can keep only serious ones', async () => {
    const all = await accessibilityViolations(page);
    // An image without alt text is critical; zoom turned off is moderate (WCAG 2.1 A and AA).
    expect(all).toContain('critical image-alt: img');
    expect(all.some((v) => v.startsWith('moderate meta-viewport:'))).toBe(true);
    expect(await seriousViolations(page)).toEqual(all.filter((v) => v.startsWith('critical ')));
    expect(await seriousViolations(page)).toHaveLength(1);
  });
});
