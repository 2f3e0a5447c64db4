import { startSmtpSink, waitFor, type SmtpSink } from '@app/testing';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { stageEmail } from '../support/stage-email';
import { startTestApp, type TestApp } from '../support/test-app';
import { launchFirefox } from './firefox';
import { seriousViolations } from './axe';

const ARTIFACTS = resolve(__dirname, '../../artifacts');
/** A small real PDF: the portal checks the type against the bytes. */
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

const CUSTOMER = 'otto.firefox@example.org';
/** The form control a <label> names. */
const labelled = (label: string) => `::-p-xpath(//*[@id = //label[. = "${label}"]/@for])`;
const button = (name: string) => `::-p-xpath(//button[. = "${name}"])`;

/**
 * The customer portal in Debian's Firefox ESR (WebDriver BiDi, issue 13): register → verify with
 * the link from the SMTP sink → the email ticket → a reply with an attachment from the portal's
 * plain HTML form, stored like any attachment; axe-core clean on each page.
 */
describe('customer portal in Firefox', () => {
  let app: TestApp;
  let sink: SmtpSink;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    sink = await startSmtpSink();
    [app, browser] = await Promise.all([startTestApp({ worker: true, env: { SMTP_URL: sink.url } }), launchFirefox()]);
    page = await browser.newPage();
    await stageEmail(
      app,
      Buffer.from(
        [
          `From: Otto Fox <${CUSTOMER}>`,
          'To: support@intake.localhost',
          'Subject: Firefox customer question',
          `Message-ID: <otto-${Date.now()}@example.org>`,
          'Date: Sun, 06 Dec 2026 04:00:00 +0000',
          '',
          'Does the portal work in Firefox?',
          '',
        ].join('\r\n'),
      ),
    );
    await waitFor(
      async () =>
        (await app.dataSource.query<unknown[]>(`SELECT 1 FROM tickets WHERE subject = 'Firefox customer question'`))
          .length > 0 || undefined,
      { what: 'the email ticket', timeoutMs: 20_000 },
    );
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await sink?.close();
  });

  it('registers, verifies, sees the email ticket and replies with an attachment', async () => {
    await page.goto(`${app.baseUrl}/portal/register`);
    await page.locator(labelled('Your name *')).fill('Otto Fox');
    await page.locator(labelled('Email address *')).fill(CUSTOMER);
    await page.locator(labelled('Password *')).fill('harbour kettle saffron 31');
    expect(await seriousViolations(page)).toEqual([]);
    await Promise.all([page.waitForNavigation(), page.locator(button('Create account')).click()]);
    await page.waitForSelector('::-p-text(Check your mailbox)');
    const link = await waitFor(async () => {
      for (const m of sink.messages) {
        const found = /http:\/\/\S+\/portal\/verify\?token=\S+/.exec((await m.parsed()).text ?? '')?.[0];
        if (found) return found;
      }
      return undefined;
    });
    await page.goto(link.replace(app.config.values.PUBLIC_URL, app.baseUrl));
    await Promise.all([page.waitForNavigation(), page.locator(button('Confirm my address')).click()]);
    await page.waitForSelector('::-p-text(Firefox customer question)');
    await Promise.all([page.waitForNavigation(), page.locator('::-p-xpath(//a[starts-with(., "T-")])').click()]);
    expect(await seriousViolations(page)).toEqual([]);
    await page.locator(labelled('Your reply *')).fill('Yes, it does.');
    const file = join(tmpdir(), `firefox-invoice-${process.pid}.pdf`);
    writeFileSync(file, PDF);
    const input = await page.$('#attachments');
    await input!.uploadFile(file);
    await Promise.all([page.waitForNavigation(), page.locator(button('Send reply')).click()]);
    rmSync(file);
    await page.waitForSelector('::-p-text(Your reply is on its way.)');
    expect(await seriousViolations(page)).toEqual([]);
    const [stored] = await waitFor(async () => {
      const rows = await app.dataSource.query<Array<{ filename: string; content_type: string; size: string }>>(
        `SELECT a.filename, a.content_type, a.size::text AS size FROM messages m
           JOIN attachments a ON a.message_id = m.id WHERE m.body_text = 'Yes, it does.'`,
      );
      return rows.length === 1 ? rows : undefined;
    });
    expect(stored).toEqual({
      filename: `firefox-invoice-${process.pid}.pdf`,
      content_type: 'application/pdf',
      size: String(PDF.length),
    });
    await page.screenshot({ path: join(ARTIFACTS, 'portal-firefox.png'), fullPage: true });
  });
});
