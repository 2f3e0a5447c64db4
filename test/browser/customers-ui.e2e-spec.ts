import { UserRole } from '@app/database';
import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import {
  api,
  createGroup,
  createTicket,
  staff,
  type FixtureTicket,
  type StaffSession,
} from '../support/inbox-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';
import { launchChromium } from './chromium';
import { ensureWebBundle } from './web-bundle';

const ARTIFACTS = resolve(__dirname, '../../artifacts');
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const PASSWORD = 'correct horse battery staple';

/**
 * The supervisor's customer screens (issue 11) as a person uses them in Chromium: from a ticket to
 * the customer and all their requests, search by address across views, the organisation page, and
 * axe-core's WCAG 2.1 A/AA rules on each screen.
 */
describe('customer screens in Chromium', () => {
  let app: TestApp;
  let browser: Browser;
  let supervisor: StaffSession;
  let outsider: StaffSession;
  let pending: FixtureTicket;
  let solved: FixtureTicket;
  let hidden: FixtureTicket;

  async function signIn(email: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(`${app.baseUrl}/`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Views' }).waitFor();
    return page;
  }

  async function violations(page: Page): Promise<string[]> {
    await page.evaluate(AXE_SOURCE);
    const found = await page.evaluate<Array<{ id: string; impact: string; targets: string[] }>>(`
      axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, iframes: false })
        .then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) })))`);
    return found.map((v) => `${v.impact} ${v.id}: ${v.targets.join(' | ')}`);
  }

  beforeAll(async () => {
    ensureWebBundle();
    mkdirSync(ARTIFACTS, { recursive: true });
    app = await startTestApp();
    supervisor = await staff(app, UserRole.Supervisor, 'Sue Supervisor');
    outsider = await staff(app, UserRole.Agent, 'Otto Outsider');
    const billing = await createGroup(app, 'Billing');
    solved = await createTicket(app, { subject: 'Invoice copy please', email: 'erika@example.org', status: 'solved' });
    pending = await createTicket(app, {
      subject: 'Printer still jammed',
      email: 'erika@example.org',
      status: 'pending',
    });
    hidden = await createTicket(app, { subject: 'Billing dispute', email: 'erika@example.org', groupId: billing });
    await createTicket(app, { subject: 'Someone else', email: 'max@example.net' });
    await app.dataSource.query(
      `UPDATE contacts SET name = 'Erika Mustermann', company = 'Example GmbH' WHERE email = 'erika@example.org'`,
    );
    // Statistics for the Reports page: yesterday and three days ago, two channels.
    for (const [daysAgo, channel, created, solved, fr] of [
      [1, 'email', 4, 2, 600],
      [1, 'form', 1, 1, 4000],
      [3, 'email', 2, 0, 200],
    ] as const)
      await app.dataSource.query(
        `INSERT INTO ticket_stats_daily (day, channel, mailbox_id, group_id, created, solved, first_response_count,
           first_response_seconds, first_response_buckets)
         VALUES (current_date - $1::int, $2, '00000000-0000-0000-0000-000000000000', '00000000-0000-0000-0000-000000000000',
                 $3, $4, 1, $5, $6)`,
        [
          daysAgo,
          channel,
          created,
          solved,
          fr,
          fr <= 300
            ? [1, 0, 0, 0, 0, 0, 0, 0, 0, 0]
            : fr <= 900
              ? [0, 1, 0, 0, 0, 0, 0, 0, 0, 0]
              : [0, 0, 0, 0, 1, 0, 0, 0, 0, 0],
        ],
      );
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('opens the customer from a ticket and shows all their requests; the page passes axe', async () => {
    const page = await signIn(supervisor.email);
    await page.goto(`${app.baseUrl}/tickets/${pending.id}`);
    const panel = page.getByTestId('customer-panel');
    await panel.getByText('3 requests in total').waitFor();
    await panel.getByRole('link', { name: 'View all requests' }).click();
    await page.getByRole('heading', { name: 'Erika Mustermann' }).waitFor();
    const rows = page.getByTestId('customer-tickets').locator('tbody tr');
    await rows.nth(2).waitFor();
    expect(await rows.count()).toBe(3);
    const refs = await rows.locator('td:first-child').allTextContents();
    expect(refs.sort()).toEqual([`T-${solved.number}`, `T-${pending.number}`, `T-${hidden.number}`].sort());
    await page.getByRole('link', { name: 'Example GmbH' }).first().waitFor();
    await page.screenshot({ path: resolve(ARTIFACTS, 'customer-page.png'), fullPage: true });
    expect(await violations(page)).toEqual([]);
    // Status filter.
    await page.getByLabel('Status').selectOption('solved');
    await page.getByTestId('customer-tickets').getByText(`T-${solved.number}`).waitFor();
    await page.waitForFunction(`document.querySelectorAll('[data-testid="customer-tickets"] tbody tr').length === 1`);
    // The organisation page.
    await page.getByRole('link', { name: 'Example GmbH' }).first().click();
    await page.getByRole('heading', { name: 'Example GmbH' }).waitFor();
    await page.getByTestId('customer-tickets').locator('tbody tr').nth(2).waitFor();
    await page.screenshot({ path: resolve(ARTIFACTS, 'organisation-page.png'), fullPage: true });
    expect(await violations(page)).toEqual([]);
    await page.context().close();
  });

  it('finds a pending ticket by the customer’s address from “All open”, customers listed first', async () => {
    const page = await signIn(supervisor.email);
    await page.getByRole('button', { name: /All open/ }).click();
    await page.getByRole('searchbox', { name: 'Search tickets' }).fill('erika@example.org');
    const hits = page.getByTestId('customer-hits');
    await hits.getByRole('link', { name: 'Erika Mustermann' }).waitFor();
    await page.getByRole('link', { name: /Printer still jammed/ }).waitFor();
    await page.getByRole('link', { name: /Invoice copy please/ }).waitFor();
    // Customers come above the tickets.
    const order = await page.evaluate<boolean>(
      `(() => { const c = document.querySelector('[data-testid="customer-hits"]'); const t = document.querySelector('.tickets');
         return !!(c && t && (c.compareDocumentPosition(t) & Node.DOCUMENT_POSITION_FOLLOWING)); })()`,
    );
    expect(order).toBe(true);
    await page.screenshot({ path: resolve(ARTIFACTS, 'search-by-email.png'), fullPage: true });
    expect(await violations(page)).toEqual([]);
    // Limiting the search to the view ("All open") leaves out the pending and the solved one.
    await page.getByLabel(/Only in/).check();
    await page.getByRole('link', { name: /Printer still jammed/ }).waitFor({ state: 'detached' });
    await page.getByRole('link', { name: /Billing dispute/ }).waitFor();
    expect(await page.getByRole('link', { name: /Invoice copy please/ }).count()).toBe(0);
    await page.context().close();
  });

  it('shows an agent outside the group neither the hidden ticket nor its count', async () => {
    const page = await signIn(outsider.email);
    await page.goto(`${app.baseUrl}/tickets/${pending.id}`);
    await page.getByTestId('customer-panel').getByText('2 requests in total').waitFor();
    await page.getByRole('link', { name: 'View all requests' }).click();
    await page.getByTestId('customer-tickets').locator('tbody tr').nth(1).waitFor();
    const text = await page.getByTestId('customer-tickets').textContent();
    expect(text).not.toContain('Billing dispute');
    expect(text).not.toContain(`T-${hidden.number}`);
    await page.context().close();
  });

  it('shows Reports whose chart holds the API’s numbers, downloads CSV, passes axe; agents have no menu entry', async () => {
    const page = await signIn(supervisor.email);
    await page.getByRole('link', { name: 'Reports' }).click();
    await page.getByRole('heading', { name: 'Reports' }).waitFor();
    await page.getByTestId('volume-table').locator('tbody tr').nth(1).waitFor();
    const from = await page.getByLabel('From').inputValue();
    const to = await page.getByLabel('To').inputValue();
    const api = await page.evaluate<{ rows: Array<{ period: string; created: number; solved: number }> }>(
      `fetch('/api/reports/volume?from=${from}&to=${to}&by=day&split=none').then((r) => r.json())`,
    );
    const canvas = page.getByRole('img', { name: /Created and solved/ });
    const labels = JSON.parse((await canvas.getAttribute('data-labels')) ?? '[]') as string[];
    const series = JSON.parse((await canvas.getAttribute('data-series')) ?? '[]') as Array<{
      label: string;
      values: number[];
    }>;
    expect(labels).toEqual(api.rows.map((r) => r.period));
    expect(series.find((x) => x.label.startsWith('created'))?.values).toEqual(api.rows.map((r) => r.created));
    expect(series.find((x) => x.label.startsWith('solved'))?.values).toEqual(api.rows.map((r) => r.solved));
    expect(api.rows.map((r) => r.created)).toEqual([2, 5]);
    // The chart is drawn (Chart.js paints the canvas: some pixels are not blank).
    const painted = await page.evaluate<boolean>(
      `(() => { const c = document.querySelector('canvas'); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
         for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) return true; return false; })()`,
    );
    expect(painted).toBe(true);
    await page.screenshot({ path: resolve(ARTIFACTS, 'reports.png'), fullPage: true });
    expect(await violations(page)).toEqual([]);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download CSV' }).click(),
    ]);
    const path = await download.path();
    const csv = readFileSync(path, 'utf8').trim().split('\n');
    expect(csv[0]).toMatch(/^period,key,created,solved/);
    expect(csv.slice(1).map((l) => Number(l.split(',')[2]))).toEqual([2, 5]);
    await page.context().close();

    const agentPage = await signIn(outsider.email);
    expect(await agentPage.getByRole('link', { name: 'Reports' }).count()).toBe(0);
    await agentPage.context().close();
  });

  it('filters the ticket timeline by kind of event', async () => {
    await api(app, supervisor)('PATCH', `/api/tickets/${solved.id}`, { priority: 'high' });
    const page = await signIn(supervisor.email);
    await page.goto(`${app.baseUrl}/tickets/${solved.id}`);
    const entries = page.getByRole('list', { name: 'Conversation' });
    await entries.locator('li.event').first().waitFor();
    expect(await entries.locator('li.message').count()).toBe(1);
    await page.getByLabel('Show').selectOption('changes');
    await entries.locator('li.message').waitFor({ state: 'detached' });
    expect(await entries.locator('li.event').count()).toBe(1);
    await page.getByLabel('Show').selectOption('messages');
    await entries.locator('li.event').waitFor({ state: 'detached' });
    expect(await entries.locator('li.message').count()).toBe(1);
    await page.getByLabel('Show').selectOption('privacy');
    await entries.locator('li.message').waitFor({ state: 'detached' });
    expect(await entries.locator('li').count()).toBe(0);
    await page.context().close();
  });
});
