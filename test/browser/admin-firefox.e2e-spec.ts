import { UsersService } from '@app/auth';
import { UserRole } from '@app/database';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { startTestApp, type TestApp } from '../support/test-app';
import { launchFirefox } from './firefox';
import { ensureWebBundle } from './web-bundle';
import { seriousViolations } from './axe';

const ARTIFACTS = resolve(__dirname, '../../artifacts');
const PASSWORD = 'correct horse battery staple';

/** puppeteer's ARIA query: the accessibility tree's role and exact accessible name. */
const aria = (role: string, name: string) => `::-p-aria([role="${role}"][name="${name}"])`;
/** The form control a <label> names (Firefox's accessibility tree gives password fields no textbox role). */
const labelled = (label: string) => `::-p-xpath(//*[@id = //label[. = "${label}"]/@for])`;

/**
 * The admin screens in Debian's Firefox ESR (WebDriver BiDi): every section renders for an admin,
 * a group is created and a retention dry run answers, and axe-core (WCAG 2.1 A/AA) finds nothing
 * serious on any section.
 */
describe('admin screens in Firefox', () => {
  let app: TestApp;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  async function section(label: string, heading: string): Promise<void> {
    await page.locator(aria('link', label)).click();
    await page.waitForSelector(aria('heading', heading));
    await page.screenshot({ path: join(ARTIFACTS, `admin-firefox-${label.replace(/\W+/g, '-').toLowerCase()}.png`) });
    expect([label, await seriousViolations(page)]).toEqual([label, []]);
  }

  beforeAll(async () => {
    ensureWebBundle();
    mkdirSync(ARTIFACTS, { recursive: true });
    [app, browser] = await Promise.all([startTestApp({ worker: true }), launchFirefox()]);
    await app.app
      .get(UsersService)
      .create({ email: 'fox@desk.test', name: 'Fox Admin', role: UserRole.Admin, password: PASSWORD });
    page = await browser.newPage();
    page.on('pageerror', (e) => errors.push(e instanceof Error ? e.message : String(e)));
    page.on('dialog', (d) => void d.accept());
    await page.setViewport({ width: 1280, height: 900 });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('signs in and works through every admin section', async () => {
    await page.goto(`${app.baseUrl}/admin/users`);
    await page.locator(aria('textbox', 'Email')).fill('fox@desk.test');
    await page.locator(labelled('Password')).fill(PASSWORD);
    await page.locator(aria('button', 'Sign in')).click();
    await page.waitForSelector(aria('link', 'Fox Admin · admin'));
    await page.locator(aria('link', 'Admin')).click();
    await page.waitForSelector(aria('heading', 'Admin'));

    await section('Users', 'Users');
    await section('Groups', 'Groups');
    await page.locator(labelled('New group')).fill('Firefox team');
    await page.locator(aria('button', 'Create group')).click();
    await page.waitForSelector(aria('button', 'Members of Firefox team'));
    expect(await app.dataSource.query(`SELECT name FROM groups`)).toEqual([{ name: 'Firefox team' }]);

    await section('Mailboxes', 'Mailboxes');
    await section('Outbound mail', 'Outbound mail');
    await section('Desk & security', 'Desk & security');
    await section('Privacy', 'Retention');
    await page.locator(aria('button', 'Preview a run now')).click();
    await page.waitForSelector('::-p-text(Change nothing: no data is past its retention period.)');
    await section('Audit log', 'Audit log');
    await page.waitForSelector('::-p-text(group.created)');
    expect(errors).toEqual([]);
  });
});
