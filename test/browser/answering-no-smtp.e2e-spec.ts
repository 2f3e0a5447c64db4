import { UsersService } from '@app/auth';
import { UserRole } from '@app/database';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { createTicket } from '../support/inbox-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';
import { launchChromium } from './chromium';
import { ensureWebBundle } from './web-bundle';

const ARTIFACTS = process.env.SHOTS_DIR ?? resolve(__dirname, '../../artifacts');
const PASSWORD = 'correct horse battery staple';

/**
 * A desk with no SMTP_URL (the first run, before an admin sets one up): the composer says replies
 * will wait, and a sent reply shows "waiting" with the reason instead of "sending…" forever.
 */
describe('answering without an outgoing mail server, in Chromium', () => {
  let app: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    ensureWebBundle();
    mkdirSync(ARTIFACTS, { recursive: true });
    app = await startTestApp({ worker: true, env: { ACK_ENABLED: 'false' } });
    await app.app
      .get(UsersService)
      .create({ email: 'alan@desk.test', name: 'Alan Agent', role: UserRole.Agent, password: PASSWORD });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('says replies will wait, and the reply shows "waiting: no outgoing mail server is configured"', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${app.baseUrl}/`);
    await page.getByLabel('Email').fill('alan@desk.test');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Views' }).waitFor();
    const ticket = await createTicket(app, { subject: 'No mail server', email: 'nina@customer.test' });
    await page.goto(`${app.baseUrl}/tickets/${ticket.id}`);
    await page.getByTestId('smtp-missing').waitFor();
    expect(await page.getByTestId('smtp-missing').textContent()).toContain('No outgoing mail server is configured');
    await page.getByRole('textbox', { name: 'Reply' }).click();
    await page.keyboard.type('This one has to wait.');
    await page.getByRole('button', { name: 'Send reply' }).click();
    const reply = page.locator('li.message.reply').last();
    await reply.locator('[data-testid="delivery"]', { hasText: 'waiting' }).waitFor({ timeout: 20_000 });
    expect(await reply.getByTestId('delivery-error').textContent()).toContain(
      'Waiting to be sent: no outgoing mail server is configured',
    );
    // Nothing an agent can retry: it goes out by itself once a server is configured.
    expect(await reply.getByRole('button', { name: 'Retry sending' }).count()).toBe(0);
    const [row] = await app.dataSource.query<Array<{ first_response_at: Date | null }>>(
      'SELECT first_response_at FROM tickets WHERE id = $1',
      [ticket.id],
    );
    expect(row?.first_response_at).toBeNull();
    await page.screenshot({ path: join(ARTIFACTS, 'delivery-waiting-desktop.png'), fullPage: true });
  });
});
