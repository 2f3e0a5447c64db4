import { UsersService } from '@app/auth';
import { UserRole } from '@app/database';
import { startSmtpSink, waitFor, type SmtpSink } from '@app/testing';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createGroup, createTicket } from '../support/inbox-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';
import { accessibilityViolations } from './axe';
import { launchChromium } from './chromium';
import { ensureWebBundle } from './web-bundle';

const ARTIFACTS = process.env.SHOTS_DIR ?? resolve(__dirname, '../../artifacts');
const PASSWORD = 'correct horse battery staple';
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
// A 1×1 PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

/**
 * Answering as an agent in Chromium, against the real api, worker and an SMTP server: a formatted
 * reply with an attachment and Cc arrives and shows "sent"; a refused send shows its reason and
 * goes out after Retry (state moved by live events, no reload); a draft survives a reload; a phone
 * ticket is created from the inbox. axe-core checks the ticket view and the new-ticket form.
 */
describe('answering in Chromium: composer, delivery, drafts, new tickets', () => {
  let app: TestApp;
  let sink: SmtpSink;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];

  async function signedIn(
    viewport = { width: 1280, height: 900 },
    options: { withoutLiveEvents?: boolean } = {},
  ): Promise<Page> {
    const context = await browser.newContext({ viewport });
    contexts.push(context);
    // The browser's EventSource refused every time it tries: no live events at all.
    if (options.withoutLiveEvents) await context.route('**/api/events', (route) => route.abort());
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${app.baseUrl}/`);
    await page.getByLabel('Email').fill('alan@desk.test');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Views' }).waitFor();
    return page;
  }

  /** Waits until the element labelled `label` has the focus (TipTap takes it a frame late). */
  async function focusOn(page: Page, label: string, timeoutMs = 5000): Promise<void> {
    await waitFor(
      async () =>
        (await page.evaluate<string | null>(`document.activeElement?.getAttribute('aria-label') ?? null`)) === label ||
        undefined,
      { timeoutMs, intervalMs: 20, what: `${label} focused` },
    );
  }

  /** Waits until the textbox `name` holds `text` (a draft coming back after a reload). */
  async function textBack(page: Page, name: string, text: string): Promise<void> {
    const box = page.getByRole('textbox', { name });
    await waitFor(async () => ((await box.textContent()) ?? '').includes(text) || undefined, {
      what: `the draft back in ${name}`,
      timeoutMs: 10_000,
    });
  }

  async function openTicket(page: Page, subject: string, email: string): Promise<string> {
    const ticket = await createTicket(app, { subject, email, body: 'Please help with my order.' });
    await app.dataSource.query(`UPDATE messages SET cc = $2 WHERE id = $1`, [ticket.messageId, ['boss@customer.test']]);
    await page.goto(`${app.baseUrl}/tickets/${ticket.id}`);
    await page.getByRole('heading', { name: subject }).waitFor();
    return ticket.id;
  }

  beforeAll(async () => {
    ensureWebBundle();
    mkdirSync(ARTIFACTS, { recursive: true });
    sink = await startSmtpSink();
    app = await startTestApp({
      worker: true,
      env: { SMTP_URL: sink.url, MAIL_FROM: 'desk@desk.test', QUEUE_ATTEMPTS: '1', ACK_ENABLED: 'false' },
    });
    await app.app
      .get(UsersService)
      .create({ email: 'alan@desk.test', name: 'Alan Agent', role: UserRole.Agent, password: PASSWORD });
    browser = await launchChromium();
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await app?.close();
    await sink?.close();
  });
  afterEach(() => {
    expect(pageErrors).toEqual([]);
  });

  it('sends a formatted reply with an attachment and Cc (reply-all), and shows it sent', async () => {
    const page = await signedIn();
    await openTicket(page, 'Broken order', 'grace@customer.test');
    const editor = page.getByRole('textbox', { name: 'Reply' });
    await editor.click();
    await page.keyboard.type('Hello Grace, ');
    await page.getByRole('button', { name: 'Bold' }).click();
    await page.keyboard.type('the fix is live');
    await page.getByRole('button', { name: 'Bold' }).click();
    await page.keyboard.type('.');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Bulleted list' }).click();
    await page.keyboard.type('Restart the app');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    // An image placed in the text: uploaded, shown in the editor, sent as an inline cid: part.
    await page
      .locator('.rich-toolbar input[type="file"]')
      .setInputFiles({ name: 'dot.png', mimeType: 'image/png', buffer: PNG });
    await page.locator('#composer-body img[alt="dot.png"]').waitFor();
    await page
      .locator('#composer-files')
      .setInputFiles({ name: 'steps.pdf', mimeType: 'application/pdf', buffer: PDF });
    await page.getByRole('list', { name: 'Attached files' }).getByText('steps.pdf').waitFor();
    await page.getByRole('button', { name: /Reply all \(add boss@customer.test\)/ }).click();
    expect(await page.getByLabel('Cc', { exact: true }).inputValue()).toBe('boss@customer.test');

    expect(await accessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'composer-desktop.png'), fullPage: true });

    await page.getByRole('button', { name: 'Send reply' }).click();
    // Formatted messages render in a sandboxed frame, so the reply is found by its place.
    const reply = page.locator('li.message.reply').last();
    await reply.locator('[data-testid="delivery"]', { hasText: /^sent$/ }).waitFor({ timeout: 20_000 });

    const [mail] = await sink.waitForCount(1, 10_000);
    const parsed = await mail.parsed();
    expect(parsed.html).toContain('<strong>the fix is live</strong>');
    expect(parsed.html).toMatch(/<ul>\s*<li>\s*<p>Restart the app<\/p>\s*<\/li>\s*<\/ul>/);
    expect(parsed.text).toContain('the fix is live');
    expect(parsed.cc && 'text' in parsed.cc ? parsed.cc.text : '').toContain('boss@customer.test');
    expect(parsed.attachments.map((a) => a.filename).sort()).toEqual(['dot.png', 'steps.pdf']);
    const image = parsed.attachments.find((a) => a.filename === 'dot.png');
    expect(image?.cid).toBeTruthy();
    expect(image?.contentDisposition).toBe('inline');
    // mailparser puts the cid: part's bytes in place of its reference: the image was linked by cid.
    expect(parsed.html).toContain('<img alt="dot.png" src="data:image/png;base64,');
    expect(mail.raw.toString('latin1')).toMatch(/src=(3D)?"cid:/);
    expect(parsed.subject).toMatch(/^Re: Broken order \[T-\d+\]$/);
    // The composer is empty again, with no draft left behind.
    expect((await editor.textContent())?.trim()).toBe('');
  });

  it('forwards a customer message with its attachment to an outside address', async () => {
    const page = await signedIn();
    const ticket = await createTicket(app, {
      subject: 'Invoice question',
      email: 'ivy@customer.test',
      body: 'Is this invoice right?',
      attachment: { filename: 'invoice.pdf', contentType: 'application/pdf', data: PDF },
    });
    await page.goto(`${app.baseUrl}/tickets/${ticket.id}`);
    await page.getByRole('heading', { name: 'Invoice question' }).waitFor();
    const count = sink.messages.length;
    await page.locator('li.message.customer').getByRole('button', { name: 'Forward' }).click();
    // Asked to forward, the composer puts the focus in its note (a timer, then TipTap's animation
    // frame): filling the address before that let the note take the focus mid-fill, and the address
    // landed in the note (seen once in CI). So the address goes in once the note has the focus.
    await focusOn(page, 'Forward note');
    await page.getByLabel('To', { exact: true }).fill('billing@partner.test');
    await waitFor(
      async () => (await page.getByLabel('To', { exact: true }).inputValue()) === 'billing@partner.test' || undefined,
      { timeoutMs: 2000, intervalMs: 20, what: 'the address in To' },
    );
    await page.getByRole('textbox', { name: 'Forward note' }).click();
    // The rich editor takes focus on the next animation frame (TipTap): type only once it has it.
    await focusOn(page, 'Forward note', 2000);
    await page.keyboard.type('Can you check this one?');
    // Say what the composer holds if the button stays disabled (seen once on a loaded machine).
    const composerState = () =>
      page.evaluate<string>(
        `JSON.stringify({ to: document.getElementById('composer-to')?.value, note: document.getElementById('composer-body')?.textContent })`,
      );
    await waitFor(
      async () => (await page.getByRole('button', { name: 'Forward', exact: true }).last().isEnabled()) || undefined,
      { timeoutMs: 10_000, intervalMs: 50, what: 'the Forward button enabled' },
    ).catch(async (e: Error) => {
      throw new Error(`${e.message}; composer: ${await composerState()}`);
    });
    await page.getByRole('button', { name: 'Forward', exact: true }).last().click();
    await page.locator('li.message.reply').last().getByText('Forward', { exact: true }).first().waitFor();
    const mails = await sink.waitForCount(count + 1, 20_000);
    const parsed = await mails[count].parsed();
    expect(mails[count].to).toEqual(['billing@partner.test']);
    expect(parsed.subject).toMatch(/^Fwd: Invoice question \[T-\d+\]$/);
    expect(parsed.text).toContain('Can you check this one?');
    expect(parsed.text).toContain('Is this invoice right?');
    expect(parsed.attachments.map((a) => a.filename)).toEqual(['invoice.pdf']);
  });

  it('shows why a reply was not delivered, then "sent" after Retry, without a reload', async () => {
    const page = await signedIn();
    await openTicket(page, 'Refused reply', 'rita@customer.test');
    const before = sink.messages.length;
    // The receiving side refuses the recipient for good (as a bounce at SMTP time would).
    sink.rejectWith(550);
    await page.getByRole('textbox', { name: 'Reply' }).click();
    await page.keyboard.type('Your refund is on its way.');
    await page.getByRole('button', { name: 'Send reply' }).click();
    const reply = page.locator('li.message.reply').last();
    await reply.locator('[data-testid="delivery"]', { hasText: 'not delivered' }).waitFor({ timeout: 20_000 });
    const reason = await reply.getByTestId('delivery-error').textContent();
    expect(reason).toContain('not delivered: the receiving server refused the sender or recipient (SMTP 550)');
    await page.screenshot({ path: join(ARTIFACTS, 'delivery-failed-desktop.png'), fullPage: true });

    sink.rejectWith(null);
    await reply.getByRole('button', { name: 'Retry sending' }).click();
    await reply.locator('[data-testid="delivery"]', { hasText: /^sent$/ }).waitFor({ timeout: 20_000 });
    expect(await reply.getByTestId('delivery-error').count()).toBe(0);
    expect(sink.messages.length).toBe(before + 1);
  });

  it('shows a reply "sent" even when the live event stream is down (the ticket is read again while sending)', async () => {
    const page = await signedIn(undefined, { withoutLiveEvents: true });
    await openTicket(page, 'No live events', 'nell@customer.test');
    const before = sink.messages.length;
    // The server holds its answer, so the reply is still "sending" when the screen first shows it.
    const release = sink.hold();
    try {
      await page.getByRole('textbox', { name: 'Reply' }).click();
      await page.keyboard.type('Answer without live events.');
      await page.getByRole('button', { name: 'Send reply' }).click();
      await sink.waitForCount(before + 1, 15_000);
      const reply = page.locator('li.message.reply').last();
      await reply.getByTestId('delivery').waitFor();
      expect(await reply.getByTestId('delivery').textContent()).not.toBe('sent');
    } finally {
      release();
    }
    await page
      .locator('li.message.reply', { hasText: 'Answer without live events.' })
      .locator('[data-testid="delivery"]', { hasText: /^sent$/ })
      .waitFor({ timeout: 15_000 });
  });

  it('with the SMTP server down, says the connection failed; after it is back, Retry sends it', async () => {
    const page = await signedIn();
    await openTicket(page, 'Server down', 'sam@customer.test');
    const port = sink.port;
    await sink.close();
    await page.getByRole('textbox', { name: 'Reply' }).click();
    await page.keyboard.type('Sent while the server was down.');
    await page.getByRole('button', { name: 'Send reply' }).click();
    const reply = page.locator('li.message.reply').last();
    await reply.locator('[data-testid="delivery"]', { hasText: 'not delivered' }).waitFor({ timeout: 30_000 });
    expect(await reply.getByTestId('delivery-error').textContent()).toContain(
      'not delivered: the connection to the outgoing mail server failed',
    );
    await page.screenshot({ path: join(ARTIFACTS, 'delivery-smtp-down-desktop.png'), fullPage: true });

    const back = await startSmtpSink({ port });
    sink = back;
    await reply.getByRole('button', { name: 'Retry sending' }).click();
    await reply.locator('[data-testid="delivery"]', { hasText: /^sent$/ }).waitFor({ timeout: 20_000 });
    const [mail] = await back.waitForCount(1, 10_000);
    expect((await mail.parsed()).text).toContain('Sent while the server was down.');
  });

  it('keeps a draft (text, Cc, attachment) across a page reload', async () => {
    const page = await signedIn();
    await openTicket(page, 'Draft keeper', 'dora@customer.test');
    await page.getByRole('textbox', { name: 'Reply' }).click();
    await page.keyboard.type('Half-written answer');
    await page.getByRole('button', { name: 'Cc / Bcc' }).click();
    await page.getByLabel('Cc', { exact: true }).fill('team@customer.test');
    await page
      .locator('#composer-files')
      .setInputFiles({ name: 'draft.pdf', mimeType: 'application/pdf', buffer: PDF });
    await page.getByRole('list', { name: 'Attached files' }).getByText('draft.pdf').waitFor();
    await page.getByText('Draft saved').waitFor({ timeout: 5_000 });
    await page.reload();
    await textBack(page, 'Reply', 'Half-written answer');
    expect(await page.getByLabel('Cc', { exact: true }).inputValue()).toBe('team@customer.test');
    await page.getByRole('list', { name: 'Attached files' }).getByText('draft.pdf').waitFor();
    // Phone width: the composer fits.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('button', { name: 'Send reply' }).scrollIntoViewIfNeeded();
    const { scroll, client } = await page.evaluate<{ scroll: number; client: number }>(
      '({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })',
    );
    expect(scroll).toBeLessThanOrEqual(client);
    await page.screenshot({ path: join(ARTIFACTS, 'composer-phone.png'), fullPage: true });
  });

  it('keeps a forward draft across a page reload as a forward, never as a reply', async () => {
    const page = await signedIn();
    await openTicket(page, 'Forward draft', 'fred@customer.test');
    await page.locator('li.message.customer').getByRole('button', { name: 'Forward' }).click();
    await focusOn(page, 'Forward note');
    await page.keyboard.type('Partner: please check the serial number.');
    await page.getByLabel('To', { exact: true }).fill('repairs@partner.test');
    await page.getByText('Draft saved').waitFor({ timeout: 5_000 });
    await page.reload();
    await textBack(page, 'Forward note', 'Partner: please check');
    expect(await page.getByLabel('To', { exact: true }).inputValue()).toBe('repairs@partner.test');
    expect(await page.getByRole('tab', { name: 'Forward' }).getAttribute('aria-selected')).toBe('true');
    expect(await page.getByRole('textbox', { name: 'Reply' }).count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, 'forward-draft-desktop.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('textbox', { name: 'Forward note' }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, 'forward-draft-phone.png'), fullPage: true });
  });

  it('offers an agent only their own groups (and none) for a new ticket', async () => {
    const [{ id: alanId }] = await app.dataSource.query<Array<{ id: string }>>(
      `SELECT id FROM users WHERE email = 'alan@desk.test'`,
    );
    await createGroup(app, 'Alan team', [alanId]);
    await createGroup(app, 'Someone else team', []);
    const page = await signedIn();
    await page.getByRole('button', { name: 'New ticket' }).click();
    const dialog = page.getByRole('dialog', { name: 'New ticket' });
    const options = await dialog.getByLabel('Group').locator('option').allTextContents();
    expect(options).toContain('No group');
    expect(options).toContain('Alan team');
    expect(options).not.toContain('Someone else team');
  });

  it('creates a phone ticket for a new customer from the inbox; no email is sent', async () => {
    const page = await signedIn();
    const mails = sink.messages.length;
    await page.screenshot({ path: join(ARTIFACTS, 'inbox-new-ticket-desktop.png') });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(ARTIFACTS, 'inbox-new-ticket-phone.png') });
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.getByRole('button', { name: 'New ticket' }).click();
    const dialog = page.getByRole('dialog', { name: 'New ticket' });
    await dialog.waitFor();
    await dialog.getByLabel('Find customer (name, address or company)').fill('Pete');
    await dialog.getByRole('button', { name: 'New customer' }).click();
    expect(await dialog.getByLabel('Name', { exact: true }).inputValue()).toBe('Pete');
    await dialog.getByLabel('Name', { exact: true }).fill('Pete Phone');
    await dialog.getByLabel('Email', { exact: true }).fill('pete@customer.test');
    await dialog.getByLabel('Subject').fill('Called about the invoice');
    await dialog.getByRole('textbox', { name: 'What the customer said' }).click();
    await page.keyboard.type('Pete called: the invoice total looks wrong.');
    await dialog.getByLabel('Priority').selectOption('high');
    await dialog.getByLabel('Tags').fill('invoice, call');
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'new-ticket-desktop.png') });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(ARTIFACTS, 'new-ticket-phone.png') });
    await page.setViewportSize({ width: 1280, height: 900 });

    await dialog.getByRole('button', { name: 'Create ticket' }).click();
    await page.getByRole('heading', { name: 'Called about the invoice' }).waitFor();
    expect(await page.locator('.ticket-head .meta').textContent()).toContain('via phone');
    await page.getByText('Phone call, noted by Alan Agent').waitFor();
    const [row] = await app.dataSource.query<Array<{ channel: string; priority: string; tags: string[] }>>(
      `SELECT channel, priority, tags FROM tickets WHERE subject = 'Called about the invoice'`,
    );
    expect(row).toEqual({ channel: 'phone', priority: 'high', tags: ['call', 'invoice'] });
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'phone-ticket-desktop.png'), fullPage: true });
    await new Promise((r) => setTimeout(r, 1000));
    expect(sink.messages.length).toBe(mails);
  });
  it('sends an outbound-email ticket to an existing customer found by search', async () => {
    const page = await signedIn();
    await createTicket(app, { subject: 'Older request', email: 'olga@customer.test' });
    await app.dataSource.query(`UPDATE contacts SET name = 'Olga Known' WHERE email = 'olga@customer.test'`);
    const count = sink.messages.length;
    await page.getByRole('button', { name: 'New ticket' }).click();
    const dialog = page.getByRole('dialog', { name: 'New ticket' });
    await dialog.getByRole('radio', { name: /Outbound email/ }).check();
    await dialog.getByLabel('Find customer (name, address or company)').fill('olga');
    await dialog.getByRole('button', { name: /Olga Known <olga@customer.test>/ }).click();
    await dialog.getByLabel('Subject').fill('Your new contract');
    await dialog.getByRole('textbox', { name: 'Message' }).click();
    await page.keyboard.type('Hello Olga, your contract is ready.');
    await dialog.locator('#nt-files').setInputFiles({ name: 'contract.pdf', mimeType: 'application/pdf', buffer: PDF });
    await dialog.getByRole('list', { name: 'Attached files' }).getByText('contract.pdf').waitFor();
    await dialog.getByRole('button', { name: 'Create and send' }).click();
    await page.getByRole('heading', { name: 'Your new contract' }).waitFor();
    try {
      await page
        .locator('li.message.reply [data-testid="delivery"]', { hasText: /^sent$/ })
        .waitFor({ timeout: 20_000 });
    } catch (error) {
      // Say whether the send or the screen is behind (seen once in CI under load).
      const rows = await app.dataSource.query<unknown[]>(
        `SELECT m.delivery_status, m.delivery_error, m.sent_at FROM messages m JOIN tickets t ON t.id = m.ticket_id
          WHERE t.subject = 'Your new contract'`,
      );
      const shown = await page.locator('li.message.reply [data-testid="delivery"]').allTextContents();
      throw new Error(
        `${(error as Error).message}\nin the database: ${JSON.stringify(rows)}; on screen: ${JSON.stringify(shown)}; ` +
          `mails at the sink: ${sink.messages.length - count}`,
        { cause: error },
      );
    }
    const mails = await sink.waitForCount(count + 1, 10_000);
    const parsed = await mails[count].parsed();
    expect(mails[count].to).toEqual(['olga@customer.test']);
    expect(parsed.subject).toMatch(/^Your new contract \[T-\d+\]$/);
    expect(parsed.attachments.map((a) => a.filename)).toEqual(['contract.pdf']);
  });

  it('keeps an internal note with an attachment inside the desk', async () => {
    const page = await signedIn();
    await openTicket(page, 'Note with a file', 'nora@customer.test');
    const count = sink.messages.length;
    await page.getByRole('tab', { name: /Internal note/ }).click();
    await page.getByRole('textbox', { name: 'Internal note' }).click();
    await page.keyboard.type('Call log attached.');
    await page.locator('#composer-files').setInputFiles({ name: 'call.pdf', mimeType: 'application/pdf', buffer: PDF });
    await page.getByRole('list', { name: 'Attached files' }).getByText('call.pdf').waitFor();
    await page.getByRole('button', { name: 'Add note' }).click();
    const note = page.locator('li.message.note', { hasText: 'Call log attached.' });
    await note.getByRole('link', { name: 'call.pdf' }).waitFor();
    expect(await note.getByTestId('delivery').count()).toBe(0);
    await new Promise((r) => setTimeout(r, 500));
    expect(sink.messages.length).toBe(count);
  });
});
