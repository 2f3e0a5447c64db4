import { UserRole } from '@app/database';
import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { createGroup, createTicket, staff, type FixtureTicket, type StaffSession } from '../support/inbox-fixtures';
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
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
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
});
