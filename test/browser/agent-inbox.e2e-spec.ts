import { UsersService } from '@app/auth';
import { UserRole } from '@app/database';
import { startSmtpSink, type SmtpSink } from '@app/testing';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { stageEmail } from '../support/stage-email';
import { startTestApp, type TestApp } from '../support/test-app';
import { expectThreadedReplyAtSink, hostileEmail, plainEmail } from './fixtures';
import { launchChromium } from './chromium';
import { ensureWebBundle } from './web-bundle';

const ARTIFACTS = resolve(__dirname, '../../artifacts');
const PASSWORD = 'correct horse battery staple';

describe('agent inbox in Chromium', () => {
  let app: TestApp;
  let sink: SmtpSink;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const dialogs: string[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    ensureWebBundle();
    mkdirSync(ARTIFACTS, { recursive: true });
    sink = await startSmtpSink();
    app = await startTestApp({ worker: true, env: { SMTP_URL: sink.url } });
    await app.app.get(UsersService).create({
      email: 'alice@desk.test',
      name: 'Alice Agent',
      role: UserRole.Agent,
      password: PASSWORD,
    });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await sink?.close();
  });

  it('signs in', async () => {
    await page.goto(`${app.baseUrl}/`);
    await page.getByLabel('Email').waitFor();
    // A first visit has no session to have ended: the sign-in form alone, no notice.
    expect(await page.getByText('Your session has ended').count()).toBe(0);
    expect(await page.locator('.signin [role="status"]').count()).toBe(0);
    await page.getByLabel('Email').fill('alice@desk.test');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Views' }).waitFor();
    await page.getByText('Live', { exact: true }).waitFor();
  });

  it('shows a ticket from the web form live, without a reload', async () => {
    const res = await fetch(`${app.baseUrl}/api/requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'Grace Hopper',
        email: 'grace@example.org',
        subject: 'Compiler says no',
        message: 'It worked yesterday.',
      }),
    });
    expect(res.status).toBe(202);
    await page.getByText('Compiler says no').waitFor({ timeout: 15_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'inbox.png'), fullPage: true });
  });

  it('opens a hostile email with no dialog and no script run; the SVG is only a download', async () => {
    // Only errors from here on count (the 401 of /api/auth/me before signing in is expected).
    consoleErrors.length = 0;
    await stageEmail(app, hostileEmail());
    const link = page.getByRole('link', { name: /Hostile content test/ });
    await link.waitFor({ timeout: 15_000 });
    await link.click();
    await page.getByRole('heading', { name: 'Hostile content test' }).waitFor();
    const frame = page.locator('iframe.message-frame').first();
    await frame.waitFor();
    expect(await frame.getAttribute('sandbox')).toBe('');
    await frame.contentFrame().getByText('team').waitFor();
    // Give any handler a chance to fire.
    await page.waitForTimeout(500);
    expect(dialogs).toEqual([]);
    const errors = consoleErrors.filter((e) => !/^(Blocked script execution|Refused to)/.test(e));
    expect(errors).toEqual([]);

    const attachment = page.getByRole('list', { name: 'Attachments' }).getByRole('link');
    expect(await attachment.count()).toBe(1);
    const href = (await attachment.getAttribute('href')) ?? '';
    expect(href).toMatch(/^\/api\/attachments\/[0-9a-f-]{36}$/);
    // No inline preview for SVG.
    expect(await page.locator('img.preview').count()).toBe(0);
    const download = await page.request.get(`${app.baseUrl}${href}?inline=1`);
    expect(download.headers()['content-disposition']).toMatch(/^attachment;/);
    expect(download.headers()['content-type']).toBe('application/octet-stream');
    expect(download.headers()['x-content-type-options']).toBe('nosniff');
    await page.screenshot({ path: join(ARTIFACTS, 'ticket-hostile.png'), fullPage: true });
  });

  it('adds an internal note that is shown as a note and never sent', async () => {
    await page.goto(`${app.baseUrl}/`);
    await page.getByRole('link', { name: /Compiler says no/ }).click();
    await page.getByRole('heading', { name: 'Compiler says no' }).waitFor();
    const before = sink.messages.length;
    await page.getByRole('tab', { name: /Internal note/ }).click();
    await page.locator('#composer-body').fill('Checked the build server, nothing wrong there.');
    await page.getByRole('button', { name: 'Add note' }).click();
    const note = page.locator('li.message.note', { hasText: 'Checked the build server' });
    await note.waitFor();
    await page.waitForTimeout(1000);
    const sent = await Promise.all(sink.messages.slice(before).map(async (m) => (await m.parsed()).text ?? ''));
    expect(sent.some((t) => t.includes('Checked the build server'))).toBe(false);
  });

  it('sends a reply that arrives at the SMTP sink threaded to the customer’s email, shown as sent', async () => {
    const customerMessageId = `<printer-${Date.now()}@example.org>`;
    await stageEmail(app, plainEmail(customerMessageId));
    await page.goto(`${app.baseUrl}/`);
    await page.getByRole('link', { name: /Printer jam/ }).click();
    await page.getByRole('heading', { name: 'Printer jam' }).waitFor();
    await page.keyboard.press('r');
    await page.locator('#composer-body').fill('Hello Grace, please try the new build.');
    await page.getByRole('button', { name: 'Send reply' }).click();
    await expectThreadedReplyAtSink(app, sink, 'please try the new build', customerMessageId);
    await page
      .locator('li.message.reply', { hasText: 'please try the new build' })
      .locator('[data-testid="delivery"]', { hasText: 'sent' })
      .waitFor({ timeout: 15_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'ticket.png'), fullPage: true });
  });

  it('returns to sign-in when the session ends', async () => {
    await app.dataSource.query('DELETE FROM sessions');
    await page.getByRole('combobox', { name: 'Priority' }).selectOption('high');
    await page.getByText('Your session has ended').waitFor({ timeout: 10_000 });
    await page.getByLabel('Email').waitFor();
  });
});
