import { UsersService } from '@app/auth';
import { UserRole } from '@app/database';
import { startSmtpSink, waitFor, type SmtpSink } from '@app/testing';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { stageEmail } from '../support/stage-email';
import { startTestApp, type TestApp } from '../support/test-app';
import { launchChromium } from './chromium';
import { ensureWebBundle } from './web-bundle';
import { seriousViolations } from './axe';

const ARTIFACTS = resolve(__dirname, '../../artifacts');
const SHOTS = process.env.SHOTS_DIR ?? join(ARTIFACTS, 'shots');
const PASSWORD = 'correct horse battery staple';
const CUSTOMER = 'nora.lindgren@example.org';

/**
 * The customer portal in Chromium as a customer uses it (issue 13): register → verify with the
 * link from the real SMTP sink → see the email ticket → reply with an attachment → the agent sees
 * it live in the staff app; the form's error pages for 413/400/429; axe-core on every portal page;
 * no staff code loaded by any customer page.
 */
describe('customer portal in Chromium', () => {
  let app: TestApp;
  let sink: SmtpSink;
  let browser: Browser;
  let customer: Page;
  let agent: Page;
  const contexts: BrowserContext[] = [];
  const customerRequests: string[] = [];

  async function shot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: join(ARTIFACTS, `portal-${name}.png`), fullPage: true });
  }

  /** Desktop and phone (390×844) screenshots for the reviewer, in SHOTS. */
  async function shots(page: Page, name: string): Promise<void> {
    mkdirSync(SHOTS, { recursive: true });
    const size = page.viewportSize();
    await page.screenshot({ path: join(SHOTS, `portal-${name}-desktop.png`), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(SHOTS, `portal-${name}-phone.png`), fullPage: true });
    // Nothing runs off the side of a phone's screen.
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    expect(await seriousViolations(page)).toEqual([]);
    if (size) await page.setViewportSize(size);
  }

  beforeAll(async () => {
    ensureWebBundle();
    mkdirSync(ARTIFACTS, { recursive: true });
    sink = await startSmtpSink();
    app = await startTestApp({
      worker: true,
      env: { SMTP_URL: sink.url, FORM_RATE_LIMIT_PER_HOUR: '3', FORM_MAX_ATTACHMENT_BYTES: '1048576' },
    });
    await app.app
      .get(UsersService)
      .create({ email: 'agnes@desk.test', name: 'Agnes Agent', role: UserRole.Agent, password: PASSWORD });
    await stageEmail(
      app,
      Buffer.from(
        [
          `From: Nora Lindgren <${CUSTOMER}>`,
          'To: support@intake.localhost',
          'Subject: Delivery arrived damaged',
          `Message-ID: <nora-${Date.now()}@example.org>`,
          'Date: Sun, 06 Dec 2026 04:00:00 +0000',
          '',
          'Two of the boxes were crushed.',
          '',
        ].join('\r\n'),
      ),
    );
    await waitFor(
      async () =>
        (await app.dataSource.query<unknown[]>(`SELECT 1 FROM tickets WHERE subject = 'Delivery arrived damaged'`))
          .length > 0 || undefined,
      { what: 'the email ticket', timeoutMs: 20_000 },
    );
    browser = await launchChromium();
    const customerContext = await browser.newContext({ viewport: { width: 1024, height: 800 }, locale: 'sv-SE' });
    const agentContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(customerContext, agentContext);
    customer = await customerContext.newPage();
    customer.on('request', (r) => customerRequests.push(new URL(r.url()).pathname));
    agent = await agentContext.newPage();
  }, 120_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await app?.close();
    await sink?.close();
  });

  it('registers, verifies by the mailed link and sees the email ticket', async () => {
    await customer.goto(`${app.baseUrl}/portal/register`);
    expect(await seriousViolations(customer)).toEqual([]);
    await customer.getByLabel('Your name *').fill('Nora Lindgren');
    await customer.getByLabel('Email address *').fill(CUSTOMER);
    await customer.getByLabel('Password *').fill('password123');
    await customer.getByRole('button', { name: 'Create account' }).click();
    // A common password: the form comes back with the message and what was typed.
    await customer.getByText('Password is one of the most common passwords').waitFor();
    expect(await customer.getByLabel('Your name *').inputValue()).toBe('Nora Lindgren');
    await shot(customer, 'register-error');
    expect(await seriousViolations(customer)).toEqual([]);
    await customer.getByLabel('Password *').fill('lantern orchard velvet 9');
    await customer.getByLabel('Company name').fill('Lindgren Bygg');
    await customer.getByLabel('Postal address (contact information)').fill('Lindgren Bygg\nSjövägen 2\n802 50 Gävle');
    await shots(customer, 'register');
    await customer.getByRole('button', { name: 'Create account' }).click();
    await customer.getByRole('heading', { name: 'Check your mailbox' }).waitFor();

    // The verification mail (the sink also holds the email ticket's acknowledgement).
    const link = await waitFor(async () => {
      for (const m of sink.messages) {
        const found = /http:\/\/\S+\/portal\/verify\?token=\S+/.exec((await m.parsed()).text ?? '')?.[0];
        if (found) return found;
      }
      return undefined;
    });
    await customer.goto(link.replace(app.config.values.PUBLIC_URL, app.baseUrl));
    await customer.getByRole('button', { name: 'Confirm my address' }).click();
    await customer.getByRole('heading', { name: 'My requests' }).waitFor();
    await customer
      .getByRole('link', { name: /^T-\d+$/ })
      .first()
      .waitFor();
    expect(await customer.getByText('Delivery arrived damaged').count()).toBe(1);
    await shot(customer, 'requests');
    expect(await seriousViolations(customer)).toEqual([]);
  });

  it('replies with an attachment; the agent sees it live', async () => {
    await agent.goto(`${app.baseUrl}/`);
    await agent.getByLabel('Email').fill('agnes@desk.test');
    await agent.getByLabel('Password').fill(PASSWORD);
    await agent.getByRole('button', { name: 'Sign in' }).click();
    await agent.getByRole('navigation', { name: 'Views' }).waitFor();
    await agent.getByRole('link', { name: /Delivery arrived damaged/ }).click();
    await agent.getByRole('heading', { name: 'Delivery arrived damaged' }).waitFor();
    await agent.getByText('Live', { exact: true }).waitFor();

    await customer
      .getByRole('link', { name: /^T-\d+$/ })
      .first()
      .click();
    await customer.getByRole('heading', { name: 'Delivery arrived damaged' }).waitFor();
    await customer.getByLabel('Your reply *').fill('Photos of the crushed boxes attached.');
    await customer.getByLabel('Attachments').setInputFiles({
      name: 'boxes.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('box 1: crushed\nbox 2: crushed\n'),
    });
    await customer.getByRole('button', { name: 'Send reply' }).click();
    await customer.getByText('Your reply is on its way.').waitFor();

    // The staff app shows it without a reload.
    await agent.getByText('Photos of the crushed boxes attached.').waitFor({ timeout: 20_000 });
    await agent.getByRole('link', { name: /boxes\.txt/ }).waitFor({ timeout: 20_000 });
    await shot(agent, 'agent-sees-reply');
    await customer.reload();
    await customer.getByRole('link', { name: 'boxes.txt' }).waitFor();
    await shot(customer, 'conversation');
    expect(await seriousViolations(customer)).toEqual([]);
  });

  it('shows My data and passes axe', async () => {
    await customer.getByRole('link', { name: 'My data' }).click();
    await customer.getByRole('heading', { name: 'My data', level: 1 }).waitFor();
    expect(await customer.getByText('Lindgren Bygg').count()).toBeGreaterThan(0);
    expect(await customer.getByLabel('Postal address (contact information)').inputValue()).toBe(
      'Lindgren Bygg\nSjövägen 2\n802 50 Gävle',
    );
    await shot(customer, 'my-data');
    await shots(customer, 'my-data');
    expect(await seriousViolations(customer)).toEqual([]);
  });

  it('never loads staff code or any script on a customer page', () => {
    const portalPaths = customerRequests.filter((p) => p.startsWith('/portal'));
    expect(portalPaths.length).toBeGreaterThan(5);
    expect(customerRequests.filter((p) => p.startsWith('/assets/') || p.endsWith('.js'))).toEqual([]);
  });

  it('answers the public form with pages for 413, 400 and 429, keeping what was typed', async () => {
    const page = customer;
    const fill = async () => {
      await page.goto(`${app.baseUrl}/support`);
      await page.getByLabel('Your name *').fill('Nora Lindgren');
      await page.getByLabel('Email address *').fill(CUSTOMER);
      await page.getByLabel('Subject *').fill('Form error test');
      await page.getByLabel('How can we help? *').fill('Text I do not want to lose');
    };
    await fill();
    await page
      .getByLabel('Attachments')
      .setInputFiles({ name: 'big.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(1048577) });
    await page.getByRole('button', { name: 'Send request' }).click();
    await page.getByRole('heading', { name: 'A file is too large' }).waitFor();
    expect(await page.getByLabel('How can we help? *').inputValue()).toBe('Text I do not want to lose');
    await shot(page, 'form-413');
    expect(await seriousViolations(page)).toEqual([]);

    await fill();
    await page.evaluate(`document.querySelector('form').noValidate = true`);
    await page.getByLabel('Email address *').fill('not an address');
    await page.getByRole('button', { name: 'Send request' }).click();
    await page.getByRole('heading', { name: 'Please check your request' }).waitFor();
    expect(await page.getByLabel('Subject *').inputValue()).toBe('Form error test');
    await shot(page, 'form-400');

    await fill();
    await page.getByRole('button', { name: 'Send request' }).click();
    await page.getByRole('heading', { name: 'Thank you' }).waitFor();
    await fill();
    await page.getByRole('button', { name: 'Send request' }).click();
    await page.getByRole('heading', { name: 'Too many requests' }).waitFor();
    await shot(page, 'form-429');
    expect(await seriousViolations(page)).toEqual([]);
  });
});
