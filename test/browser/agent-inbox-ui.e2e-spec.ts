import { UsersService } from '@app/auth';
import { UserRole } from '@app/database';
import { waitFor } from '@app/testing';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { stageEmail } from '../support/stage-email';
import { startTestApp, type TestApp } from '../support/test-app';
import { launchChromium } from './chromium';
import { ensureWebBundle } from './web-bundle';
import { accessibilityViolations } from './axe';

const ARTIFACTS = resolve(__dirname, '../../artifacts');
const PASSWORD = 'correct horse battery staple';
// A 2×2 red PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP4z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==',
  'base64',
);

/** An HTML newsletter-style email: one inline `cid:` image and one remote (tracking) image. */
function imageEmail(remoteUrl: string): Buffer {
  return Buffer.from(
    [
      'From: Ada Lovelace <ada@example.org>',
      'To: support@intake.localhost',
      'Subject: Screenshot of the error',
      `Message-ID: <images-${Date.now()}@example.org>`,
      'Date: Fri, 27 Nov 2026 10:00:00 +0000',
      'MIME-Version: 1.0',
      'Content-Type: multipart/related; boundary="rel"',
      '',
      '--rel',
      'Content-Type: text/html; charset=utf-8',
      '',
      `<p>Here is what I see:</p><p><img src="cid:shot@example.org" alt="inline screenshot" width="40" height="40"></p><p><img src="${remoteUrl}" alt="tracker"></p>`,
      '--rel',
      'Content-Type: image/png; name="shot.png"',
      'Content-ID: <shot@example.org>',
      'Content-Disposition: inline; filename="shot.png"',
      'Content-Transfer-Encoding: base64',
      '',
      PNG.toString('base64'),
      '--rel--',
      '',
    ].join('\r\n'),
  );
}

/**
 * Tablet and laptop layouts, keyboard-only work, inline and remote images inside the sandboxed
 * message frame, failed deliveries, and the supervisor's canned reply and SLA screens.
 */
describe('agent inbox UI in Chromium', () => {
  let app: TestApp;
  let browser: Browser;
  let remote: Server;
  let remoteHits = 0;
  const contexts: BrowserContext[] = [];
  const consoleErrors: string[] = [];

  async function signedIn(email: string, viewport: { width: number; height: number }): Promise<Page> {
    const context = await browser.newContext({ viewport });
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
    page.on('dialog', (d) => void d.dismiss());
    await page.goto(`${app.baseUrl}/`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Views' }).waitFor();
    return page;
  }

  async function noHorizontalOverflow(page: Page): Promise<void> {
    // Browser-side code as strings: the test project's types have no DOM.
    const { scroll, client } = await page.evaluate<{ scroll: number; client: number }>(
      '({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })',
    );
    expect(scroll).toBeLessThanOrEqual(client);
  }

  async function inViewportHorizontally(page: Page, locator: ReturnType<Page['locator']>): Promise<void> {
    await locator.scrollIntoViewIfNeeded();
    expect(await locator.isVisible()).toBe(true);
    const box = await locator.boundingBox();
    const width = page.viewportSize()?.width ?? 0;
    expect(box).not.toBeNull();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(width);
  }

  beforeAll(async () => {
    ensureWebBundle();
    mkdirSync(ARTIFACTS, { recursive: true });
    remote = createServer((_req, res) => {
      remoteHits++;
      res.writeHead(200, { 'content-type': 'image/png' });
      res.end(PNG);
    });
    await new Promise<void>((r) => remote.listen(0, '127.0.0.1', r));
    app = await startTestApp({ worker: true });
    const users = app.app.get(UsersService);
    await users.create({ email: 'tess@desk.test', name: 'Tess Tablet', role: UserRole.Agent, password: PASSWORD });
    await users.create({
      email: 'sue@desk.test',
      name: 'Sue Supervisor',
      role: UserRole.Supervisor,
      password: PASSWORD,
    });
    await users.create({ email: 'adam@desk.test', name: 'Adam Admin', role: UserRole.Admin, password: PASSWORD });
    browser = await launchChromium();
    const port = (remote.address() as AddressInfo).port;
    await stageEmail(app, imageEmail(`http://127.0.0.1:${port}/pixel.png`));
    await waitFor(
      async () =>
        (await app.dataSource.query<unknown[]>(`SELECT 1 FROM tickets WHERE subject = 'Screenshot of the error'`))
          .length > 0 || undefined,
      { what: 'the image email as a ticket', timeoutMs: 20_000 },
    );
  }, 120_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await app?.close();
    await new Promise((r) => remote?.close(r));
  });

  it('shows the inline cid: image inside the sandboxed frame and remote images only on request', async () => {
    const page = await signedIn('tess@desk.test', { width: 1280, height: 800 });
    await page.getByRole('link', { name: /Screenshot of the error/ }).click();
    await page.getByRole('heading', { name: 'Screenshot of the error' }).waitFor();
    const iframe = page.locator('iframe.message-frame').first();
    expect(await iframe.getAttribute('sandbox')).toBe('');
    const frame = iframe.contentFrame();
    const inline = frame.getByRole('img', { name: 'inline screenshot' });
    await inline.waitFor();
    // Fetched by the page with the agent's session and handed to the frame as data: (the frame's
    // opaque origin gets no session cookie, and its CSP allows no other image source).
    await waitFor(
      async () =>
        (await inline.evaluate((i) => (i as unknown as { naturalWidth: number }).naturalWidth)) > 0 || undefined,
      {
        what: 'the inline image to load',
        timeoutMs: 15_000,
      },
    );
    expect(await inline.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    const csp = await frame.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    expect(csp).toBe("default-src 'none'; img-src data:; style-src 'unsafe-inline'");
    // The remote image is blocked: no src, and the remote server never heard from us.
    const tracker = frame.getByRole('img', { name: 'tracker' });
    expect(await tracker.getAttribute('src')).toBeNull();
    await page.waitForTimeout(300);
    expect(remoteHits).toBe(0);
    await page.getByText('1 remote image blocked').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'ticket-images-blocked.png'), fullPage: true });

    await page.getByRole('button', { name: 'Show remote images' }).click();
    await waitFor(() => remoteHits > 0 || undefined, { what: 'the remote image request', timeoutMs: 15_000 });
    const shown = page.locator('iframe.message-frame').first().contentFrame().getByRole('img', { name: 'tracker' });
    await waitFor(
      async () =>
        (await shown.evaluate((i) => (i as unknown as { naturalWidth: number }).naturalWidth)) > 0 || undefined,
      {
        what: 'the remote image to render',
        timeoutMs: 15_000,
      },
    );
    await page.getByRole('button', { name: 'Block them again' }).waitFor();
  });

  it('marks a reply that could not be delivered as failed, with the reason', async () => {
    const page = await signedIn('tess@desk.test', { width: 1280, height: 800 });
    const [ticket] = await app.dataSource.query<Array<{ id: string }>>(
      `SELECT id FROM tickets WHERE subject = 'Screenshot of the error'`,
    );
    // As the outbound handler leaves a reply the receiving server refused for good.
    await app.dataSource.query(
      `INSERT INTO messages (ticket_id, direction, internal, body_text, delivery_status, delivery_error)
       VALUES ($1, 'out', false, 'We are looking into it.', 'failed', 'EENVELOPE:550')`,
      [ticket?.id],
    );
    await page.goto(`${app.baseUrl}/tickets/${ticket?.id}`);
    const reply = page.locator('li.message.reply', { hasText: 'We are looking into it.' });
    await reply.waitFor();
    expect(await reply.getByTestId('delivery').textContent()).toBe('not delivered');
    const reason = reply.getByRole('alert');
    expect(await reason.textContent()).toContain('the receiving server refused the sender or recipient (SMTP 550)');
    await page.screenshot({ path: join(ARTIFACTS, 'ticket-failed-delivery.png'), fullPage: true });
  });

  it('fits a tablet (820×1180): no horizontal overflow, key controls visible; screenshots at both widths', async () => {
    for (const [name, viewport] of [
      ['laptop', { width: 1280, height: 800 }],
      ['tablet', { width: 820, height: 1180 }],
    ] as const) {
      const page = await signedIn('tess@desk.test', viewport);
      const first = page.getByRole('link', { name: /Screenshot of the error/ });
      await first.waitFor();
      await noHorizontalOverflow(page);
      for (const control of [
        page.getByRole('button', { name: /All open/ }),
        page.getByRole('searchbox', { name: 'Search tickets' }),
        page.getByRole('combobox', { name: 'Status' }),
        first,
      ])
        await inViewportHorizontally(page, control);
      await page.screenshot({ path: join(ARTIFACTS, `inbox-${name}.png`), fullPage: true });

      await first.click();
      await page.getByRole('heading', { name: 'Screenshot of the error' }).waitFor();
      await noHorizontalOverflow(page);
      for (const control of [
        page.getByRole('button', { name: '← Inbox' }),
        page.locator('iframe.message-frame').first(),
        page.getByRole('textbox', { name: 'Reply' }),
        page.getByRole('button', { name: 'Send reply' }),
        page.getByRole('combobox', { name: 'Status' }),
        page.getByRole('combobox', { name: 'Assignee' }),
      ])
        await inViewportHorizontally(page, control);
      // Inner panes were scrolled to check the controls: show the ticket from its top.
      await page.evaluate("document.querySelectorAll('*').forEach((e) => e.scrollTo(0, 0))");
      await page.screenshot({ path: join(ARTIFACTS, `ticket-${name}.png`), fullPage: true });
    }
  });

  it('works from the keyboard alone: j/k move, Enter opens, r replies, focus is visible', async () => {
    for (let i = 1; i <= 3; i++)
      await fetch(`${app.baseUrl}/api/requests`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          name: 'Kim Keys',
          email: 'kim@example.org',
          subject: `Keyboard ticket ${i}`,
          message: 'Only keys.',
        }),
      });
    await waitFor(
      async () =>
        (await app.dataSource.query<unknown[]>(`SELECT 1 FROM tickets WHERE subject LIKE 'Keyboard ticket %'`))
          .length === 3 || undefined,
      { what: 'three form tickets', timeoutMs: 20_000 },
    );
    const page = await signedIn('tess@desk.test', { width: 820, height: 1180 });
    await page.getByRole('link', { name: /Keyboard ticket 3/ }).waitFor();
    const cursorText = () => page.locator('li.ticket-row[aria-current="true"] .subject').textContent();
    const firstSubject = await cursorText();
    await page.keyboard.press('j');
    const second = await cursorText();
    expect(second).not.toBe(firstSubject);
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    expect(await cursorText()).toBe(second);

    // Tab focus is visible: the focused element draws an outline.
    await page.keyboard.press('Tab');
    const outline = await page.evaluate<{ style: string; width: number } | null>(`(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      const style = getComputedStyle(el);
      return { style: style.outlineStyle, width: parseFloat(style.outlineWidth) };
    })()`);
    expect(outline).not.toBeNull();
    expect(outline!.style).not.toBe('none');
    expect(outline!.width).toBeGreaterThan(0);
    await page.evaluate('document.activeElement?.blur()');

    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: second ?? '' }).waitFor();
    await page.keyboard.press('r');
    // The rich editor takes focus on the next animation frame (TipTap's focus command).
    await waitFor(
      async () =>
        (await page.evaluate<string | undefined>('document.activeElement?.id')) === 'composer-body' || undefined,
      { timeoutMs: 2000, intervalMs: 20, what: 'the composer focused' },
    );
    await page.keyboard.type('Answered without a mouse.');
    await page.keyboard.press('Control+Enter');
    await page.locator('li.message.reply', { hasText: 'Answered without a mouse.' }).waitFor();
    await page.keyboard.press('Escape');
    await page.keyboard.press('u');
    await page.getByRole('navigation', { name: 'Views' }).waitFor();
    expect(consoleErrors).toEqual([]);
  });

  it('applies bulk actions to the selected tickets: status, tag and assignee, each recorded in history', async () => {
    const refs: string[] = [];
    for (const subject of ['Bulk one', 'Bulk two']) {
      const res = await fetch(`${app.baseUrl}/api/requests`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Bea Bulk', email: 'bea@example.org', subject, message: 'Please help.' }),
      });
      refs.push(((await res.json()) as { reference: string }).reference);
    }
    const sue = await signedIn('sue@desk.test', { width: 1280, height: 800 });
    for (const ref of refs) await sue.getByRole('checkbox', { name: `Select ${ref}` }).check({ timeout: 20_000 });
    const bar = sue.getByRole('region', { name: 'Bulk actions' });
    await bar.getByText('2 selected').waitFor();
    await bar.getByRole('combobox', { name: 'Set status of selected' }).selectOption('pending');
    await bar.waitFor({ state: 'detached' }); // the selection clears once the change is saved
    // Pending tickets leave the open views: follow them to the pending view.
    await sue
      .getByRole('navigation', { name: 'Views' })
      .getByRole('button', { name: /^Pending/ })
      .click();

    for (const ref of refs) await sue.getByRole('checkbox', { name: `Select ${ref}` }).check();
    await bar.getByRole('textbox', { name: 'Add tag to selected' }).fill('vip');
    await bar.getByRole('button', { name: 'Tag' }).click();
    await bar.waitFor({ state: 'detached' });

    for (const ref of refs) await sue.getByRole('checkbox', { name: `Select ${ref}` }).check();
    await bar.getByRole('combobox', { name: 'Assign selected to' }).selectOption({ label: 'Tess Tablet' });
    await bar.waitFor({ state: 'detached' });

    const rows = await app.dataSource.query<
      Array<{ subject: string; status: string; tags: string[]; assignee: string; events: string[] }>
    >(
      `SELECT t.subject, t.status, t.tags, u.email AS assignee,
              array(SELECT h.field FROM history_events h WHERE h.ticket_id = t.id AND h.field IS NOT NULL ORDER BY h.id) AS events
         FROM tickets t JOIN users u ON u.id = t.assignee_id
        WHERE t.subject LIKE 'Bulk %' ORDER BY t.subject`,
    );
    expect(rows.map((r) => [r.subject, r.status, r.tags, r.assignee])).toEqual([
      ['Bulk one', 'pending', ['vip'], 'tess@desk.test'],
      ['Bulk two', 'pending', ['vip'], 'tess@desk.test'],
    ]);
    for (const r of rows) expect(r.events).toEqual(expect.arrayContaining(['status', 'tags', 'assignee_id']));
  });

  it('meets WCAG 2.1 A/AA as axe-core checks it: sign-in, inbox, ticket view and settings', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(context);
    const anonymous = await context.newPage();
    await anonymous.goto(`${app.baseUrl}/`);
    await anonymous.getByLabel('Email').waitFor();
    expect(await accessibilityViolations(anonymous)).toEqual([]);

    const sue = await signedIn('sue@desk.test', { width: 1280, height: 800 });
    await sue.getByRole('link', { name: /Screenshot of the error/ }).waitFor();
    expect(await accessibilityViolations(sue)).toEqual([]);
    await sue.getByRole('link', { name: /Screenshot of the error/ }).click();
    await sue.getByRole('heading', { name: 'Screenshot of the error' }).waitFor();
    expect(await accessibilityViolations(sue)).toEqual([]);
    await sue.goto(`${app.baseUrl}/settings`);
    await sue.getByRole('heading', { name: 'Canned replies' }).waitFor();
    expect(await accessibilityViolations(sue)).toEqual([]);

    // The check does see problems: an unlabelled field and pale text planted on the page.
    await sue.evaluate(
      `document.querySelector('main').insertAdjacentHTML('beforeend', '<input type="text"><p style="color:#ddd;background:#fff">faint</p>')`,
    );
    const planted = await accessibilityViolations(sue);
    expect(planted.some((v) => v.includes(' label:'))).toBe(true);
    expect(planted.some((v) => v.includes(' color-contrast:'))).toBe(true);
  });

  it('lets a supervisor create and edit canned replies that agents then insert; an admin edits an SLA policy', async () => {
    const sue = await signedIn('sue@desk.test', { width: 820, height: 1180 });
    await sue.getByRole('link', { name: 'Settings' }).click();
    await sue.getByRole('heading', { name: 'Canned replies' }).waitFor();
    // Supervisors see the SLA targets but may not change them.
    await sue.getByText('Only admins can change SLA targets.').waitFor();
    expect(await sue.getByRole('button', { name: 'Edit urgent SLA' }).count()).toBe(0);

    const create = sue.getByRole('form', { name: 'New canned reply' });
    await create.getByLabel('Title').fill('Printer reset');
    await create.getByLabel('Text').fill('Hi {{customer.name}}, please switch it off and on.');
    await create.getByRole('button', { name: 'Create' }).click();
    const item = sue
      .getByRole('list', { name: 'Canned replies' })
      .getByRole('listitem')
      .filter({ hasText: 'Printer reset' });
    await item.waitFor();
    await item.getByRole('button', { name: 'Edit Printer reset' }).click();
    const edit = sue.getByRole('form', { name: 'Edit Printer reset' });
    await edit
      .getByLabel('Text')
      .fill('Hi {{customer.name}}, please hold the reset button for 5 s ({{ticket.reference}}).');
    await edit.getByRole('button', { name: 'Save' }).click();
    // The form closes once the save succeeded; only then is the text in the list (the edited
    // textarea holds the same text as its content, so waiting for the text alone raced the save).
    await edit.waitFor({ state: 'detached' });
    await sue.getByRole('list', { name: 'Canned replies' }).getByText('please hold the reset button').waitFor();
    await noHorizontalOverflow(sue);
    await sue.screenshot({ path: join(ARTIFACTS, 'settings-tablet.png'), fullPage: true });
    const [row] = await app.dataSource.query<Array<{ body: string }>>(
      `SELECT body FROM canned_replies WHERE title = 'Printer reset'`,
    );
    expect(row?.body).toContain('hold the reset button');

    // An agent inserts it with the placeholders filled for the ticket.
    const tess = await signedIn('tess@desk.test', { width: 1280, height: 800 });
    expect(await tess.getByRole('link', { name: 'Settings' }).count()).toBe(0);
    await tess.getByRole('link', { name: /Screenshot of the error/ }).click();
    await tess.getByRole('heading', { name: 'Screenshot of the error' }).waitFor();
    await tess.getByRole('combobox', { name: 'Insert canned reply' }).selectOption({ label: 'Printer reset' });
    await waitFor(
      async () => ((await tess.locator('#composer-body').textContent()) ?? '').includes('Ada Lovelace') || undefined,
      {
        what: 'the canned reply in the composer',
        timeoutMs: 5_000,
      },
    );
    expect(await tess.locator('#composer-body').textContent()).toMatch(
      /^Hi Ada Lovelace, please hold the reset button for 5 s \(T-\d+\)\.$/,
    );

    // An admin changes the urgent targets to business hours.
    const adam = await signedIn('adam@desk.test', { width: 1280, height: 800 });
    await adam.goto(`${app.baseUrl}/settings`);
    await adam.getByRole('button', { name: 'Edit urgent SLA' }).click();
    const sla = adam.getByRole('form', { name: 'SLA for urgent tickets' });
    await sla.getByLabel('First response within (minutes)').fill('30');
    await sla.getByLabel('Resolution within (minutes)').fill('480');
    await sla.getByLabel('Count business hours only').check();
    await sla.getByLabel('Time zone').fill('Europe/Berlin');
    await sla.getByRole('button', { name: 'Save' }).click();
    const urgent = adam.getByRole('row', { name: /^urgent/ });
    await urgent.getByText('30 min').waitFor();
    expect(await urgent.textContent()).toContain('business hours 09:00–17:00 Mon Tue Wed Thu Fri (Europe/Berlin)');
    const [policy] = await app.dataSource.query<Array<{ first_response_minutes: number; business_hours: boolean }>>(
      `SELECT first_response_minutes, business_hours FROM sla_policies WHERE priority = 'urgent'`,
    );
    expect(policy).toEqual({ first_response_minutes: 30, business_hours: true });
  });
});
