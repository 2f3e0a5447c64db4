import { SetupService, UsersService } from '@app/auth';
import { sha256Hex } from '@app/common';
import { UserRole } from '@app/database';
import { MailboxService } from '@app/intake';
import { startSmtpSink, waitFor, type SmtpSink } from '@app/testing';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { email, startImapEnv, USER, type ImapEnv } from '../imap/support/imap-env';
import { startTestApp, type TestApp } from '../support/test-app';
import { launchChromium } from './chromium';
import { ensureWebBundle } from './web-bundle';
import { seriousViolations } from './axe';

const ARTIFACTS = resolve(__dirname, '../../artifacts');
const SHOTS = process.env.SHOTS_DIR ?? join(ARTIFACTS, 'shots');
const PASSWORD = 'correct horse battery staple';

/**
 * The admin screens as an admin uses them, against a real Dovecot, SMTP sink and Chromium:
 * create a group, route a mailbox to it and see new mail land there; test a mailbox with a wrong
 * password and read the server's answer; disable a user and see their open session end; send a
 * test email; browse the audit log. axe-core on every screen, screenshots in artifacts/.
 */
describe('admin screens in Chromium', () => {
  let env: ImapEnv;
  let sink: SmtpSink;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];

  async function signIn(address: string, path = '/'): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('dialog', (d) => void d.accept());
    await page.goto(`${env.app.baseUrl}${path}`);
    await page.getByLabel('Email').fill(address);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: /·/ }).waitFor();
    return page;
  }

  /** Desktop and phone-width screenshots for looking at by eye (issue 12 screens). */
  async function shots(page: Page, name: string): Promise<void> {
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, `${name}-desktop.png`), fullPage: true });
    await page.evaluate('window.scrollTo(0, 0)');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(SHOTS, `${name}-phone.png`), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
  }

  async function check(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: join(ARTIFACTS, `admin-${name}.png`), fullPage: true });
    expect([name, await seriousViolations(page)]).toEqual([name, []]);
  }

  beforeAll(async () => {
    ensureWebBundle();
    mkdirSync(ARTIFACTS, { recursive: true });
    sink = await startSmtpSink();
    env = await startImapEnv({ env: { SMTP_URL: sink.url, LOGIN_RATE_LIMIT_PER_15M: '1000' } });
    const users = env.app.app.get(UsersService);
    await users.create({ email: 'boss@desk.test', name: 'Boss Admin', role: UserRole.Admin, password: PASSWORD });
    await users.create({ email: 'ann@desk.test', name: 'Ann Agent', role: UserRole.Agent, password: PASSWORD });
    await users.create({
      email: 'sue@desk.test',
      name: 'Sue Supervisor',
      role: UserRole.Supervisor,
      password: PASSWORD,
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await env?.close();
    await sink?.close();
  });

  it('creates a group, routes the mailbox to it, and a new email lands in that group', async () => {
    const page = await signIn('boss@desk.test', '/admin/groups');
    await page.getByRole('link', { name: 'Admin', exact: true }).click();
    await page.getByRole('link', { name: 'Groups' }).click();
    await page.getByLabel('New group').fill('Billing');
    await page.getByRole('button', { name: 'Create group' }).click();
    await page.getByRole('button', { name: 'Members of Billing' }).click();
    await page.getByLabel('Ann Agent (agent)').check();
    await page.getByRole('button', { name: 'Save members' }).click();
    await page.getByText('Ann Agent · 0 tickets').waitFor();
    await check(page, 'groups');

    await page.getByRole('link', { name: 'Mailboxes' }).click();
    await page.getByRole('button', { name: 'Edit support' }).click();
    await page.getByLabel('New tickets go to').selectOption({ label: 'Billing' });
    await page.getByRole('button', { name: 'Save mailbox' }).click();
    await page.getByText('new tickets to Billing').waitFor();
    await page.getByRole('button', { name: 'Test connection: support' }).click();
    await page.getByText(/Connection works/).waitFor();
    await check(page, 'mailboxes');

    await env.startPoller();
    await env.dovecot.append(USER, 'INBOX', email({ subject: 'Invoice 4711 is wrong' }));
    const [ticket] = await waitFor(
      async () => {
        const rows = await env.app.dataSource.query<Array<{ group: string }>>(
          `SELECT g.name AS group FROM tickets t JOIN groups g ON g.id = t.group_id WHERE t.subject = 'Invoice 4711 is wrong'`,
        );
        return rows.length > 0 ? rows : undefined;
      },
      { what: 'the ticket of the new email', timeoutMs: 30_000 },
    );
    expect(ticket.group).toBe('Billing');
    // The group's member sees it in their inbox.
    const ann = await signIn('ann@desk.test');
    await ann.getByText('Invoice 4711 is wrong').first().waitFor();
  });

  it("tests a mailbox with a wrong password and shows the server's answer", async () => {
    const page = await signIn('boss@desk.test', '/admin/mailboxes');
    await page.getByRole('button', { name: 'Add mailbox' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Wrong password');
    await page.getByLabel('Support address').fill('sales@desk.test');
    await page.getByLabel('IMAP server').fill(env.dovecot.host);
    await page.getByLabel('Port', { exact: true }).fill(String(env.dovecot.port));
    await page.getByLabel('TLS', { exact: true }).uncheck();
    await page.getByLabel('User name', { exact: true }).fill(USER);
    await page.getByLabel('Password', { exact: true }).fill('not-the-password');
    await page.getByRole('button', { name: 'Save mailbox' }).click();
    await page.getByRole('button', { name: 'Test connection: Wrong password' }).click();
    const answer = page.getByText(/The server answered:/);
    await answer.waitFor();
    expect(await answer.textContent()).toMatch(/AUTHENTICATIONFAILED|Authentication failed/i);
    await check(page, 'mailbox-wrong-password');
  });

  it('disables a user and their open session ends', async () => {
    const ann = await signIn('ann@desk.test');
    const admin = await signIn('boss@desk.test', '/admin/users');
    await admin.getByRole('link', { name: 'Admin', exact: true }).click();
    await admin.getByRole('button', { name: 'Disable Ann Agent' }).click();
    await admin.getByRole('button', { name: 'Enable Ann Agent' }).waitFor();
    await check(admin, 'users');
    // Ann's next request (any click, a reload) finds the session gone.
    await ann.reload();
    await ann.getByRole('heading', { name: 'Sign in to Intake' }).waitFor();
    await ann.getByLabel('Email').fill('ann@desk.test');
    await ann.getByLabel('Password').fill(PASSWORD);
    await ann.getByRole('button', { name: 'Sign in' }).click();
    await ann.getByText('Email or password is wrong').waitFor();
  });

  it('sends a test email to the SMTP sink, shows outbound status, and lists it all in the audit log', async () => {
    const page = await signIn('boss@desk.test', '/admin/outbound');
    await page.getByRole('link', { name: 'Admin', exact: true }).click();
    await page.getByRole('link', { name: 'Outbound mail' }).click();
    await page.getByText(/Configured \(smtp:\/\//).waitFor();
    await page.getByLabel('Send a test email to').fill('boss@desk.test');
    await page.getByRole('button', { name: 'Send test email' }).click();
    await page.getByText(/Sent\. The server answered: 250/).waitFor();
    expect(sink.messages.some((m) => m.to.includes('boss@desk.test'))).toBe(true);
    await check(page, 'outbound');

    await page.getByRole('link', { name: 'Desk & security' }).click();
    await page.getByLabel('Desk name').waitFor();
    await check(page, 'desk');

    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('cell', { name: 'auth.sign_in', exact: true }).first().waitFor();
    await page.getByLabel('Action').selectOption('outbound.test_sent');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByRole('cell', { name: 'outbound.test_sent' }).waitFor();
    await page.getByRole('cell', { name: 'auth.sign_in', exact: true }).first().waitFor({ state: 'detached' });
    await check(page, 'audit');
  });

  it("changes an OAuth2 mailbox's outgoing server (host, port, TLS) from its edit form", async () => {
    const created = await env.app.app.get(MailboxService).create({
      name: 'workspace',
      address: 'help@workspace.test',
      host: 'imap.gmail.com',
      port: 993,
      username: 'help@workspace.test',
      password: 'unused-with-oauth',
      enabled: false,
    });
    await env.app.dataSource.query(
      `UPDATE mailboxes SET auth_method = 'oauth2', oauth_provider = 'google', smtp_host = 'smtp.gmail.com',
              smtp_port = 465, smtp_tls = true WHERE id = $1`,
      [created.id],
    );
    const page = await signIn('boss@desk.test', '/admin/mailboxes');
    await page.getByRole('button', { name: 'Edit workspace' }).click();
    const form = page.getByRole('form', { name: 'Edit workspace' });
    expect(await form.getByLabel(/^Outgoing server/).inputValue()).toBe('smtp.gmail.com');
    expect(await form.getByLabel(/^Own SMTP server URL/).count()).toBe(0);
    await form.getByLabel('Outgoing port').fill('587');
    await form.getByRole('checkbox', { name: /TLS from the start/ }).uncheck();
    await check(page, 'mailbox-oauth-smtp');
    await shots(page, 'mailbox-oauth-smtp');
    await form.getByRole('button', { name: 'Save mailbox' }).click();
    await form.waitFor({ state: 'detached' });
    const [row] = await env.app.dataSource.query<Array<{ smtp_host: string; smtp_port: number; smtp_tls: boolean }>>(
      `SELECT smtp_host, smtp_port, smtp_tls FROM mailboxes WHERE id = $1`,
      [created.id],
    );
    expect(row).toEqual({ smtp_host: 'smtp.gmail.com', smtp_port: 587, smtp_tls: false });
    await env.app.app.get(MailboxService).remove(created.id);
  });

  it('edits a mailbox identity (an unknown placeholder refused with the known ones) and replays a quarantined message', async () => {
    const raw = email({ subject: 'Stuck in quarantine', messageId: '<quarantined.1@customer.test>' });
    await env.app.dataSource.query(
      `INSERT INTO inbound_messages (kind, status, raw, size, sha256, reason, mailbox_id, message_id_header, quarantined_at, attempts)
       VALUES ('email', 'quarantined', $1, $2, $3, 'parse_timeout', $4, '<quarantined.1@customer.test>', now(), 3)`,
      [raw, raw.length, sha256Hex(raw), env.mailboxId],
    );
    const page = await signIn('boss@desk.test', '/admin/mailboxes');
    await page.getByRole('link', { name: 'Admin', exact: true }).click();
    await page.getByRole('link', { name: 'Mailboxes' }).click();
    await page.getByRole('button', { name: 'Edit support' }).click();
    await page.getByLabel(/^From name/).fill('Support Team');
    await page.getByLabel('Acknowledgement of new requests (empty: the built-in text)').fill('Hi {{contact.name}}');
    await page.getByText('Placeholders: {{customer.name}}').waitFor();
    await page.getByRole('button', { name: 'Save mailbox' }).click();
    const refused = page.getByRole('alert');
    await refused.waitFor();
    expect(await refused.textContent()).toContain(
      'Acknowledgement: Unknown placeholder {{contact.name}}; known: {{customer.name}}, {{customer.email}}',
    );
    await shots(page, 'mailbox-identity-refused');
    await page
      .getByLabel('Acknowledgement of new requests (empty: the built-in text)')
      .fill('Hi {{customer.name}}, we have {{ticket.reference}}.');
    await page.getByRole('button', { name: 'Save mailbox' }).click();
    await page.getByText(/Answers as Support Team .* acknowledgement: its own/).waitFor();

    await page.getByRole('button', { name: /^Quarantine of support/ }).click();
    const region = page.getByRole('region', { name: 'Quarantine of support' });
    await region.getByRole('cell', { name: 'parse_timeout' }).waitFor();
    await shots(page, 'mailbox-quarantine');
    await check(page, 'mailbox-quarantine');
    await region.getByRole('button', { name: 'Replay' }).click();
    await region.getByText(/processed again/).waitFor({ timeout: 20_000 });
    await region.getByText('Nothing in quarantine.').waitFor();
    await waitFor(
      async () =>
        (await env.app.dataSource.query(`SELECT 1 FROM tickets WHERE subject = 'Stuck in quarantine'`)).length > 0,
      { what: 'the replayed message as a ticket' },
    );

    // A form request that arrived on no mailbox has its own quarantine list on the same screen.
    const form = Buffer.from(
      JSON.stringify({ name: 'Fay', email: 'fay@customer.test', subject: 'Form', message: 'x' }),
    );
    await env.app.dataSource.query(
      `INSERT INTO inbound_messages (kind, status, raw, size, sha256, reason, quarantined_at, attempts)
       VALUES ('form', 'quarantined', $1, $2, $3, 'parse_failed', now(), 1)`,
      [form, form.length, sha256Hex(form)],
    );
    await page.getByRole('button', { name: 'Quarantine', exact: true }).click();
    const formRegion = page.getByRole('region', { name: 'Quarantine of the web form and portal' });
    await formRegion.getByRole('cell', { name: 'parse_failed' }).waitFor();
    expect(await formRegion.getByRole('cell', { name: 'parse_timeout' }).count()).toBe(0);
    await check(page, 'form-quarantine');
  });

  it('shows retention with a dry run, publishes a policy version and verifies a data-subject request', async () => {
    // One quarantined email past its 30 days: the dry run must count it.
    const old = Buffer.from('From: old@customer.test\r\nSubject: old\r\n\r\nold\r\n');
    await env.app.dataSource.query(
      `INSERT INTO inbound_messages (kind, status, raw, size, sha256, reason, quarantined_at, attempts)
       VALUES ('email', 'quarantined', $1, $2, $3, 'parse_timeout', now() - interval '40 days', 3)`,
      [old, old.length, sha256Hex(old)],
    );
    await env.app.dataSource.query(`INSERT INTO contacts (email, name) VALUES ('dsr@customer.test', 'Dee Requester')`);
    const page = await signIn('boss@desk.test', '/admin/privacy');
    await page.getByRole('link', { name: 'Admin', exact: true }).click();
    await page.getByRole('link', { name: 'Privacy' }).click();
    await page.getByLabel('Quarantined emails').fill('20');
    await page.getByRole('button', { name: 'Save Quarantined emails' }).click();
    await page.getByRole('button', { name: 'Default for Quarantined emails' }).waitFor();
    await page.getByRole('button', { name: 'Preview a run now' }).click();
    const dryRun = page.getByRole('region', { name: 'Dry run' });
    await dryRun.getByText(/delete 1 × .*\(Quarantined emails\)/).waitFor();
    expect(
      await env.app.dataSource.query(`SELECT 1 FROM inbound_messages WHERE sha256 = $1`, [sha256Hex(old)]),
    ).toHaveLength(1);

    await page.getByLabel('New version', { exact: true }).fill('2027-01');
    await page.getByLabel('Text', { exact: true }).fill('We keep what we need, and no longer.');
    await page.getByRole('button', { name: 'Publish version' }).click();
    await page.getByRole('list', { name: 'Policy versions' }).getByText('2027-01').waitFor();

    await page.getByLabel('Customer email address').fill('dsr@customer.test');
    await page.getByRole('button', { name: 'Record request' }).click();
    await page.getByRole('button', { name: /^Identity verified: Export/ }).click();
    await page.getByRole('button', { name: /^Download export: Export/ }).waitFor();
    await shots(page, 'privacy');
    await check(page, 'privacy');
    const actions = await env.app.dataSource.query<Array<{ action: string }>>(
      `SELECT action FROM audit_log WHERE action LIKE 'retention_policy.%' OR action LIKE 'dsr.%' OR action LIKE 'privacy_policy.%' ORDER BY id`,
    );
    expect(actions.map((a) => a.action)).toEqual(
      expect.arrayContaining(['retention_policy.set', expect.stringMatching(/^dsr\./)]),
    );
  });

  it('shows a supervisor the retention rules and policy versions read-only, and no requests', async () => {
    const page = await signIn('sue@desk.test', '/admin/privacy');
    await page.getByRole('link', { name: 'Admin', exact: true }).click();
    await page.getByRole('link', { name: 'Privacy' }).click();
    await page.getByRole('heading', { name: 'Retention' }).waitFor();
    await page.getByRole('list', { name: 'Policy versions' }).getByText('2026-11').waitFor();
    expect(await page.getByLabel('Quarantined emails').getAttribute('readonly')).not.toBeNull();
    expect(
      await page
        .getByRole('button')
        .filter({ hasText: /Save|Preview|Run now|Publish/ })
        .count(),
    ).toBe(0);
    expect(await page.getByRole('heading', { name: 'Data-subject requests' }).count()).toBe(0);
    await check(page, 'privacy-supervisor');
  });

  it('sets up two-factor sign-in from the account screen', async () => {
    const page = await signIn('boss@desk.test', '/account');
    await page.getByRole('link', { name: /Boss Admin/ }).click();
    await page.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
    await page.getByLabel('Key').waitFor();
    await check(page, 'account-2fa');
    expect(pageErrors).toEqual([]);
  });
});

describe('first run in Chromium', () => {
  let app: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    ensureWebBundle();
    app = await startTestApp();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('creates the first admin in the browser with the token from the log', async () => {
    const token = await app.app.get(SetupService).announce();
    const page = await browser.newPage();
    await page.goto(`${app.baseUrl}/`);
    await page.getByRole('heading', { name: 'Set up your desk' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByLabel('Set-up token').fill(token!);
    await page.getByLabel('Your name').fill('First Admin');
    await page.getByLabel('Email').fill('first@desk.test');
    await page.getByLabel(/^Password/).fill('the first admin password');
    await page.screenshot({ path: join(ARTIFACTS, 'admin-setup.png'), fullPage: true });
    await page.getByRole('button', { name: 'Create admin and sign in' }).click();

    // Step 2: the desk's name, public URL and sender, used in its mail from now on.
    await page.getByRole('heading', { name: 'Step 2 of 3: your desk' }).waitFor();
    await page.getByLabel('Desk name').fill('Acme Help');
    await page.getByLabel('Public URL').fill('https://help.acme.test');
    await page.getByLabel('Sender address').fill('desk@acme.test');
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Save and continue' }).click();

    // Step 3: mailbox and outbound mail, with the admin screens' own test buttons.
    await page.getByRole('heading', { name: 'Step 3 of 3: mail' }).waitFor();
    await page.getByRole('button', { name: 'Add mailbox' }).waitFor();
    await page.getByText('desk@acme.test').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'admin-setup-mail.png'), fullPage: true });
    await page.getByRole('button', { name: 'Go to the desk' }).click();
    await page.getByRole('link', { name: 'First Admin · admin' }).waitFor();
    const settings = await app.dataSource.query<Array<{ key: string; value: unknown }>>(
      `SELECT key, value FROM desk_settings ORDER BY key`,
    );
    expect(settings).toEqual([
      { key: 'desk_name', value: 'Acme Help' },
      { key: 'public_url', value: 'https://help.acme.test' },
      { key: 'sender_address', value: 'desk@acme.test' },
    ]);
  });
});
