import { UsersService } from '@app/auth';
import { AgentPreferencesEntity, UserRole } from '@app/database';
import { waitFor } from '@app/testing';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/test-app';
import { launchChromium } from './chromium';
import { ensureWebBundle } from './web-bundle';
import { seriousViolations } from './axe';

const SHOTS = process.env.SHOTS_DIR ?? resolve(__dirname, '../../artifacts/shots');
const PASSWORD = 'correct horse battery staple';

/**
 * The account screen's notification switches and signature as an agent uses them, in Chromium at
 * desktop and phone width: a switch saves at once, a signature with an unknown placeholder is
 * refused with the known ones named, a good one is saved. axe-core clean; screenshots in SHOTS.
 */
describe('account settings in Chromium', () => {
  let app: TestApp;
  let browser: Browser;
  let userId: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    ensureWebBundle();
    mkdirSync(SHOTS, { recursive: true });
    app = await startTestApp();
    const user = await app.app
      .get(UsersService)
      .create({ email: 'nia@desk.test', name: 'Nia Notified', role: UserRole.Agent, password: PASSWORD });
    userId = user.id;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it.each([
    ['desktop', { width: 1280, height: 900 }],
    ['phone', { width: 390, height: 844 }],
  ])('switches a notification off and saves a checked signature (%s)', async (name, viewport) => {
    await app.dataSource.getRepository(AgentPreferencesEntity).delete({ userId });
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${app.baseUrl}/account`);
    await page.getByLabel('Email').fill('nia@desk.test');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Email notifications' }).waitFor();
    // The top bar fits the screen (on a phone its items wrap instead of running off the edge).
    const overflow = await page.locator('.topbar').evaluate((bar) => bar.scrollWidth - bar.clientWidth);
    expect(overflow).toBe(0);

    const replies = page.getByLabel('A customer replies on my ticket');
    expect(await replies.isChecked()).toBe(true);
    await replies.uncheck();
    await waitFor(
      async () =>
        (await app.dataSource.getRepository(AgentPreferencesEntity).findOneBy({ userId }))?.notifyCustomerReplied ===
          false || undefined,
      { what: 'preference saved' },
    );
    expect(await page.getByLabel('A ticket is assigned to me (by someone else)').isChecked()).toBe(true);

    const signature = page.getByLabel("Added under your replies, above the mailbox's signature");
    await signature.fill('Cheers, {{contact.name}}');
    await page.getByRole('button', { name: 'Save signature' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(
      /Unknown placeholder \{\{contact\.name\}\}; known: \{\{customer\.name\}\}/,
    );
    await page.screenshot({ path: join(SHOTS, `account-signature-refused-${name}.png`), fullPage: true });

    await signature.fill('Nia\n{{agent.name}}, Support');
    await page.getByRole('button', { name: 'Save signature' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const saved = await app.dataSource.getRepository(AgentPreferencesEntity).findOneByOrFail({ userId });
    expect(saved.signature).toBe('Nia\n{{agent.name}}, Support');
    await page.screenshot({ path: join(SHOTS, `account-settings-${name}.png`), fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);

    // After a reload the screen shows what was saved.
    await page.reload();
    await page.getByRole('heading', { name: 'Email notifications' }).waitFor();
    await waitFor(async () => (await signature.inputValue()) === 'Nia\n{{agent.name}}, Support' || undefined, {
      what: 'signature shown after reload',
    });
    expect(await page.getByLabel('A customer replies on my ticket').isChecked()).toBe(false);
    expect(pageErrors).toEqual([]);
    await context.close();
  });
});
