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
import { accessibilityViolations } from './axe';

const ARTIFACTS = resolve(__dirname, '../../artifacts');
const SHOTS = process.env.SHOTS_DIR ?? resolve(ARTIFACTS, 'shots');
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
    // Per-agent and per-organisation statistics: three replies by the supervisor yesterday; two
    // tickets of Example GmbH.
    await app.dataSource.query(
      `INSERT INTO ticket_stats_agent_daily (day, agent_id, replies, solved) VALUES (current_date - 1, $1, 3, 1)`,
      [supervisor.id],
    );
    await app.dataSource.query(
      `INSERT INTO ticket_stats_org_daily (day, organisation_id, created, solved)
       SELECT current_date - 1, organisation_id, 2, 0 FROM contacts WHERE email = 'erika@example.org'`,
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
    expect(await accessibilityViolations(page)).toEqual([]);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download CSV' }).click(),
    ]);
    const csv = readFileSync(await download.path(), 'utf8')
      .trim()
      .split('\n');
    expect(
      csv
        .slice(1)
        .map((l) => l.split(',')[0])
        .sort(),
    ).toEqual(refs);
    // Status filter.
    await page.getByLabel('Status').selectOption('solved');
    await page.getByTestId('customer-tickets').getByText(`T-${solved.number}`).waitFor();
    await page.waitForFunction(`document.querySelectorAll('[data-testid="customer-tickets"] tbody tr').length === 1`);
    // The organisation page.
    await page.getByRole('link', { name: 'Example GmbH' }).first().click();
    await page.getByRole('heading', { name: 'Example GmbH' }).waitFor();
    await page.getByTestId('customer-tickets').locator('tbody tr').nth(2).waitFor();
    await page.screenshot({ path: resolve(ARTIFACTS, 'organisation-page.png'), fullPage: true });
    expect(await accessibilityViolations(page)).toEqual([]);
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
    expect(await accessibilityViolations(page)).toEqual([]);
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

  /** The figures a chart was drawn with, as the page holds them beside the canvas. */
  async function chartData(page: Page, name: RegExp): Promise<{ labels: string[]; series: Map<string, unknown[]> }> {
    const canvas = page.getByRole('img', { name });
    const labels = JSON.parse((await canvas.getAttribute('data-labels')) ?? '[]') as string[];
    const series = JSON.parse((await canvas.getAttribute('data-series')) ?? '[]') as Array<{
      label: string;
      values: unknown[];
    }>;
    return { labels, series: new Map(series.map((x) => [x.label, x.values])) };
  }

  async function shoot(page: Page, name: string): Promise<void> {
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: resolve(ARTIFACTS, `${name}.png`), fullPage: true });
    await page.screenshot({ path: resolve(SHOTS, `${name}-desktop.png`), fullPage: true });
    const size = page.viewportSize();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: resolve(SHOTS, `${name}-phone.png`), fullPage: true });
    // The README's pictures (DOCS_SHOTS_DIR=docs): the whole screen, which scrolls inside the app.
    if (process.env.DOCS_SHOTS_DIR) {
      const height = await page.evaluate<number>(`document.querySelector('main').scrollHeight + 60`);
      await page.setViewportSize({ width: 1280, height: Math.min(height, 4000) });
      await page.screenshot({ path: resolve(process.env.DOCS_SHOTS_DIR, `${name}.png`) });
    }
    if (size) await page.setViewportSize(size);
  }

  it('shows Reports whose charts hold the API’s numbers, downloads CSV, passes axe; agents have no menu entry', async () => {
    const page = await signIn(supervisor.email);
    await page.getByRole('link', { name: 'Reports' }).click();
    await page.getByRole('heading', { name: 'Reports', exact: true }).waitFor();
    await page.getByTestId('agents-table').locator('tbody tr').first().waitFor();
    await page.getByTestId('organisations-table').locator('tbody tr').first().waitFor();
    const from = await page.getByLabel('From', { exact: true }).inputValue();
    const to = await page.getByLabel('To', { exact: true }).inputValue();
    const fetchJson = <T>(path: string) =>
      page.evaluate<T>(`fetch('${path}?from=${from}&to=${to}&by=day&split=none').then((r) => r.json())`);
    const volume = await fetchJson<{ rows: Array<{ period: string; created: number; solved: number }> }>(
      '/api/reports/volume',
    );
    const chart = await chartData(page, /^Created and solved/);
    // Every day of the range is a period, empty days as zeros.
    expect(chart.labels).toEqual(volume.rows.map((r) => r.period));
    expect(chart.labels).toHaveLength(30);
    expect(chart.series.get('created (all)')).toEqual(volume.rows.map((r) => r.created));
    expect(chart.series.get('solved (all)')).toEqual(volume.rows.map((r) => r.solved));
    expect(volume.rows.map((r) => r.created).filter((n) => n > 0)).toEqual([2, 5]);
    const backlog = await fetchJson<{ rows: Array<{ period: string; open: number }> }>('/api/reports/backlog');
    const backlogChart = await chartData(page, /^Backlog/);
    expect(backlogChart.series.get('open at the end of the period')).toEqual(backlog.rows.map((r) => r.open));
    const agents = await fetchJson<{ totals: Array<{ replies: number }>; agents: Array<{ name: string }> }>(
      '/api/reports/agents',
    );
    const agentChart = await chartData(page, /^Per agent/);
    expect(agentChart.labels).toEqual(agents.agents.map((a) => a.name));
    expect(agentChart.series.get('replies')).toEqual(agents.totals.map((t) => t.replies));
    expect(agentChart.series.get('replies')).toEqual([3]);
    const orgChart = await chartData(page, /^Tickets per customer organisation/);
    expect(orgChart.labels).toEqual(['Example GmbH']);
    expect(orgChart.series.get('created')).toEqual([2]);
    // The chart is drawn (Chart.js paints the canvas: some pixels are not blank).
    const painted = await page.evaluate<boolean>(
      `(() => { const c = document.querySelector('canvas'); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
         for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) return true; return false; })()`,
    );
    expect(painted).toBe(true);
    await shoot(page, 'reports');
    expect(await accessibilityViolations(page)).toEqual([]);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download CSV: Created and solved' }).click(),
    ]);
    const csv = readFileSync(await download.path(), 'utf8')
      .trim()
      .split('\n');
    expect(csv[0]).toMatch(/^period,key,created,solved/);
    expect(csv.slice(1).map((l) => Number(l.split(',')[2]))).toEqual(volume.rows.map((r) => r.created));
    await page.context().close();

    const agentPage = await signIn(outsider.email);
    expect(await agentPage.getByRole('link', { name: 'Reports' }).count()).toBe(0);
    await agentPage.context().close();
  });

  it('shows the activity view: who did what, filtered by kind, as CSV; passes axe', async () => {
    await api(app, supervisor)('PATCH', `/api/tickets/${pending.id}`, { priority: 'urgent' });
    const page = await signIn(supervisor.email);
    await page.goto(`${app.baseUrl}/reports`);
    await page.getByRole('link', { name: 'Activity' }).click();
    const table = page.getByTestId('activity-table');
    const row = table.locator('tbody tr', { hasText: `T-${pending.number}` });
    await row.waitFor();
    expect(await row.textContent()).toContain('Sue Supervisor');
    expect(await row.textContent()).toContain('priority: normal → urgent');
    await shoot(page, 'activity');
    expect(await accessibilityViolations(page)).toEqual([]);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download CSV' }).click(),
    ]);
    const csv = readFileSync(await download.path(), 'utf8')
      .trim()
      .split('\n');
    expect(csv[0]).toBe('at,agent_id,ticket,kind,type,field,old_value,new_value');
    expect(
      csv.slice(1).some((l) => l.includes(`T-${pending.number},changes,field_changed,priority,normal,urgent`)),
    ).toBe(true);
    await page.getByLabel('Kind').selectOption('messages');
    await page.getByText('No changes in this range.').waitFor();
    await page.context().close();
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
