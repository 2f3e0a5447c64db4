import { UsersService } from '@app/auth';
import { UserRole } from '@app/database';
import { startSmtpSink, waitFor, type SmtpSink } from '@app/testing';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Frame, Page } from 'puppeteer-core';
import { stageEmail } from '../support/stage-email';
import { startTestApp, type TestApp } from '../support/test-app';
import { expectThreadedReplyAtSink, hostileEmail, plainEmail } from './fixtures';
import { launchFirefox } from './firefox';
import { ensureWebBundle } from './web-bundle';

const ARTIFACTS = resolve(__dirname, '../../artifacts');
const PASSWORD = 'correct horse battery staple';
const LAPTOP = { width: 1366, height: 768 };
const TABLET = { width: 768, height: 1024 };

/** puppeteer's ARIA query: the accessibility tree's role and exact accessible name. */
const aria = (role: string, name: string) => `::-p-aria([role="${role}"][name="${name}"])`;
/** The form control a <label> names (Firefox's accessibility tree gives password fields no textbox role). */
const labelled = (label: string) => `::-p-xpath(//*[@id = //label[. = "${label}"]/@for])`;
/** The inbox row's link for a subject (its accessible name also holds reference, status and time). */
const row = (subject: string) =>
  `::-p-xpath(//li[contains(@class, "ticket-row")]//a[span[@class="subject"] = "${subject}"])`;

/**
 * The agent's main flows in Firefox ESR (Debian's stock build, over WebDriver BiDi): sign-in, live
 * updates, hostile mail, notes and threaded replies, tablet and laptop layouts, keyboard-only
 * work. One browser and one tab for the whole file, used in order like an agent would.
 */
describe('agent inbox in Firefox', () => {
  let app: TestApp;
  let sink: SmtpSink;
  let browser: Browser;
  let page: Page;
  const dialogs: string[] = [];
  const errors: string[] = [];

  /** Browser-side code goes in as strings: the test project's types have no DOM. */
  async function evaluate<T>(expression: string, where: Page | Frame = page): Promise<T> {
    return (await where.evaluate(expression)) as T;
  }

  async function openTicket(subject: string): Promise<void> {
    await page.locator(row(subject)).click();
    await page.waitForSelector(aria('heading', subject));
  }

  async function noHorizontalOverflow(): Promise<void> {
    const { scroll, client } = await evaluate<{ scroll: number; client: number }>(
      '({ scroll: document.scrollingElement.scrollWidth, client: document.scrollingElement.clientWidth })',
    );
    expect(scroll).toBeLessThanOrEqual(client);
  }

  /** Visible and wholly inside the viewport's width once scrolled to. */
  async function visibleWithinWidth(selector: string, width: number): Promise<void> {
    const handle = await page.waitForSelector(selector, { timeout: 5_000 });
    expect(handle).not.toBeNull();
    await handle!.scrollIntoView();
    expect(await handle!.isVisible()).toBe(true);
    const box = await handle!.boundingBox();
    expect(box).not.toBeNull();
    expect(box!.width).toBeGreaterThan(0);
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(width);
    await handle!.dispose();
  }

  beforeAll(async () => {
    ensureWebBundle();
    mkdirSync(ARTIFACTS, { recursive: true });
    sink = await startSmtpSink();
    [app, browser] = await Promise.all([startTestApp({ worker: true, env: { SMTP_URL: sink.url } }), launchFirefox()]);
    await app.app.get(UsersService).create({
      email: 'fiona@desk.test',
      name: 'Fiona Firefox',
      role: UserRole.Agent,
      password: PASSWORD,
    });
    page = await browser.newPage();
    await page.setViewport(LAPTOP);
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e instanceof Error ? e.message : String(e)}`));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await sink?.close();
  });

  it('signs in and connects to live updates', async () => {
    await page.goto(`${app.baseUrl}/`);
    await page.locator(aria('textbox', 'Email')).fill('fiona@desk.test');
    await page.locator(labelled('Password')).fill(PASSWORD);
    await page.locator(aria('button', 'Sign in')).click();
    await page.waitForSelector(aria('navigation', 'Views'));
    await page.waitForSelector('.live.on', { timeout: 10_000 });
    expect(await evaluate("document.querySelector('.live').textContent")).toBe('Live');
  });

  it('shows a ticket from the web form live, without a reload', async () => {
    // A reload would lose this.
    await evaluate('window.__notReloaded = true');
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
    await page.waitForSelector(row('Compiler says no'), { timeout: 15_000 });
    expect(await evaluate('window.__notReloaded')).toBe(true);
  });

  it('opens a hostile email with no dialog and no script run; the SVG is only a download', async () => {
    // The listeners must see what they are there to catch: an alert and an uncaught error.
    await evaluate(
      "setTimeout(() => alert('listener check'), 0); setTimeout(() => { throw new Error('listener check'); }, 0)",
    );
    await waitFor(() => (dialogs.length > 0 && errors.length > 0) || undefined, { what: 'the listener check' });
    expect(dialogs).toEqual(['listener check']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^pageerror: (Error: )?listener check$/);
    dialogs.length = 0;
    errors.length = 0;

    await stageEmail(app, hostileEmail());
    await page.waitForSelector(row('Hostile content test'), { timeout: 15_000 });
    await openTicket('Hostile content test');
    const iframe = await page.waitForSelector('iframe.message-frame');
    expect(await evaluate("document.querySelector('iframe.message-frame').getAttribute('sandbox')")).toBe('');
    const frame = await iframe!.contentFrame();
    await frame.waitForSelector('::-p-text(team)');
    expect(await evaluate("document.querySelectorAll('script, iframe, [onerror], [onload]').length", frame)).toBe(0);
    // The link keeps its text but not its javascript: target; following it does nothing.
    const hrefs = await evaluate<Array<string | null>>(
      "Array.from(document.querySelectorAll('a'), (a) => a.getAttribute('href'))",
      frame,
    );
    expect(hrefs).toHaveLength(1);
    expect(hrefs[0] ?? '').not.toMatch(/javascript:/i);
    await frame.locator('::-p-text(click me)').click();
    // Give any handler a chance to fire.
    await new Promise((r) => setTimeout(r, 500));
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    expect(page.url()).toMatch(/\/tickets\/[0-9a-f-]{36}$/);

    const attachments = await evaluate<Array<{ href: string; text: string }>>(
      `Array.from(document.querySelectorAll('ul[aria-label="Attachments"] a'), (a) => ({
        href: a.getAttribute('href'),
        text: a.textContent,
      }))`,
    );
    expect(attachments).toHaveLength(1);
    const href = attachments[0].href;
    expect(href).toMatch(/^\/api\/attachments\/[0-9a-f-]{36}$/);
    // The hostile filename is text, not markup, and there is no inline preview of the SVG.
    expect(attachments[0].text).toContain('onerror=alert(6)');
    expect(await page.$$('ul[aria-label="Attachments"] img')).toHaveLength(0);
    const download = await evaluate<Record<string, string | null>>(
      `fetch(${JSON.stringify(`${href}?inline=1`)}).then((r) => ({
        disposition: r.headers.get('content-disposition'),
        type: r.headers.get('content-type'),
        nosniff: r.headers.get('x-content-type-options'),
      }))`,
    );
    expect(download.disposition).toMatch(/^attachment;/);
    expect(download.type).toBe('application/octet-stream');
    expect(download.nosniff).toBe('nosniff');
    await page.screenshot({ path: join(ARTIFACTS, 'firefox-ticket-hostile.png'), fullPage: true });
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('keeps an internal note inside and sends a reply threaded to the customer’s email', async () => {
    const customerMessageId = `<printer-ff-${Date.now()}@example.org>`;
    await stageEmail(app, plainEmail(customerMessageId));
    await page.goto(`${app.baseUrl}/`);
    await page.waitForSelector(row('Printer jam'), { timeout: 15_000 });
    await openTicket('Printer jam');

    await page.locator('[role="tab"] ::-p-text(Internal note)').click();
    await page.locator(aria('textbox', 'Internal note')).fill('Checked the printer queue, nothing stuck.');
    await page.locator(aria('button', 'Add note')).click();
    await page.waitForSelector('li.message.note ::-p-text(Checked the printer queue)');

    await page.locator('[role="tab"] ::-p-text(Reply to customer)').click();
    await page.locator(aria('textbox', 'Reply')).fill('Hello Grace, please try the new driver.');
    await page.locator(aria('button', 'Send reply')).click();
    await expectThreadedReplyAtSink(app, sink, 'please try the new driver', customerMessageId);
    // The note was written before the reply: it was never queued for delivery, and nothing that
    // reached the sink carries it.
    const notes = await app.dataSource.query<Array<{ internal: boolean; delivery_status: string | null }>>(
      `SELECT internal, delivery_status FROM messages WHERE body_text LIKE 'Checked the printer queue%'`,
    );
    expect(notes).toEqual([{ internal: true, delivery_status: null }]);
    const sent = await Promise.all(sink.messages.map(async (m) => (await m.parsed()).text ?? ''));
    expect(sent.filter((t) => t.includes('Checked the printer queue'))).toEqual([]);
    await page.waitForSelector('li.message.reply [data-testid="delivery"].d-sent', { timeout: 15_000 });
    expect(errors).toEqual([]);
  });

  it('fits tablet (768×1024) and laptop (1366×768) widths: no horizontal overflow, main controls visible', async () => {
    for (const [name, viewport] of [
      ['tablet', TABLET],
      ['laptop', LAPTOP],
    ] as const) {
      await page.setViewport(viewport);
      await page.goto(`${app.baseUrl}/`);
      await page.waitForSelector(row('Printer jam'));
      await noHorizontalOverflow();
      for (const control of [
        '::-p-xpath(//nav[@aria-label="Views"]//button[span[1] = "All open"])',
        aria('searchbox', 'Search tickets'),
        aria('combobox', 'Status'),
        row('Printer jam'),
        row('Hostile content test'),
      ])
        await visibleWithinWidth(control, viewport.width);
      await evaluate("document.querySelectorAll('*').forEach((e) => e.scrollTo(0, 0))");
      await page.screenshot({ path: join(ARTIFACTS, `firefox-inbox-${name}.png`), fullPage: true });

      await openTicket('Printer jam');
      await page.waitForSelector('li.message.reply ::-p-text(please try the new driver)');
      await noHorizontalOverflow();
      for (const control of [
        aria('button', '← Inbox'),
        aria('heading', 'Printer jam'),
        aria('textbox', 'Reply'),
        aria('button', 'Send reply'),
        aria('combobox', 'Status'),
        aria('combobox', 'Assignee'),
      ])
        await visibleWithinWidth(control, viewport.width);
      await evaluate("document.querySelectorAll('*').forEach((e) => e.scrollTo(0, 0))");
      await page.screenshot({ path: join(ARTIFACTS, `firefox-ticket-${name}.png`), fullPage: true });

      // The hostile ticket's long filename and framed HTML must not widen the page either.
      await page.goto(`${app.baseUrl}/`);
      await openTicket('Hostile content test');
      await page.waitForSelector('iframe.message-frame');
      await noHorizontalOverflow();
    }
    expect(errors).toEqual([]);
  });

  it('works from the keyboard alone: j/k move, Enter opens, n and r pick the composer, Ctrl+Enter sends', async () => {
    await page.setViewport(TABLET);
    await page.goto(`${app.baseUrl}/`);
    await page.waitForSelector(row('Compiler says no'));
    const cursor = () =>
      evaluate<string>(`document.querySelector('li.ticket-row[aria-current="true"] .subject').textContent`);
    const first = await cursor();
    await page.keyboard.press('j');
    const second = await cursor();
    expect(second).not.toBe(first);
    await page.keyboard.press('j');
    expect(await cursor()).not.toBe(second);
    await page.keyboard.press('k');
    expect(await cursor()).toBe(second);

    // The shortcut help opens as a modal dialog and Escape closes it.
    await page.keyboard.press('?');
    await page.waitForSelector(aria('dialog', 'Keyboard shortcuts'), { visible: true });
    await page.keyboard.press('Escape');
    await page.waitForSelector('dialog.help', { hidden: true });

    // Tab focus is visible: the focused element draws an outline.
    await page.keyboard.press('Tab');
    const outline = await evaluate<{ style: string; width: number } | null>(`(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      const style = getComputedStyle(el);
      return { style: style.outlineStyle, width: parseFloat(style.outlineWidth) };
    })()`);
    expect(outline).not.toBeNull();
    expect(outline!.style).not.toBe('none');
    expect(outline!.width).toBeGreaterThan(0);
    await evaluate('document.activeElement?.blur()');

    await page.keyboard.press('Enter');
    await page.waitForSelector(aria('heading', second));
    const activeId = () => evaluate<string | undefined>('document.activeElement?.id');
    // The rich editor takes focus on the next animation frame (TipTap's focus command), so wait for it.
    const focusedComposer = () =>
      waitFor(async () => (await activeId()) === 'composer-body' || undefined, {
        timeoutMs: 2000,
        intervalMs: 20,
        what: 'the composer focused',
      });
    const selectedTab = () =>
      evaluate<string>(`document.querySelector('[role="tab"][aria-selected="true"]').textContent`);
    await page.keyboard.press('n');
    await focusedComposer();
    expect(await selectedTab()).toContain('Internal note');
    await page.keyboard.press('Escape');
    expect(await activeId()).not.toBe('composer-body');
    await page.keyboard.press('r');
    await focusedComposer();
    expect(await selectedTab()).toContain('Reply to customer');
    await page.keyboard.type('Answered without a mouse.');
    await page.keyboard.down('Control');
    await page.keyboard.press('Enter');
    await page.keyboard.up('Control');
    await page.waitForSelector('li.message.reply ::-p-text(Answered without a mouse.)');
    await page.keyboard.press('Escape');
    await page.keyboard.press('u');
    await page.waitForSelector(aria('navigation', 'Views'));
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('returns to sign-in when the session ends', async () => {
    await page.goto(`${app.baseUrl}/`);
    await openTicket('Compiler says no');
    await app.dataSource.query('DELETE FROM sessions');
    await page.select('#f-priority', 'high');
    await page.waitForSelector('::-p-text(Your session has ended)', { timeout: 10_000 });
    await page.waitForSelector(aria('textbox', 'Email'));
  });
});
