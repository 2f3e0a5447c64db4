import { InboundKind } from '@app/database';
import { captureLogsForTests } from '@app/platform';
import { JobName, QueueName, QueueService } from '@app/queue';
import { waitFor } from '@app/testing';
import { Logger } from 'nestjs-pino';
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { startTestApp, type TestApp } from '../support/test-app';
import { submitForm } from './support/api';

// Distinctive values: any occurrence anywhere is a leak.
const NAME = 'Xanthippe Oberdorfer';
const ADDRESS = 'xanthippe.oberdorfer@leak-test.example';
const SUBJECT = 'Quasimodo invoice 7731';
const NEEDLES = ['xanthippe', 'oberdorfer', 'leak-test.example', 'quasimodo'];

function leaks(text: string): string[] {
  const lower = text.toLowerCase();
  return NEEDLES.filter((n) => lower.includes(n));
}

describe('no personal data in logs, Redis, jobs, metrics or error messages', () => {
  let app: TestApp;
  const lines: string[] = [];

  beforeAll(async () => {
    captureLogsForTests(
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
          done();
        },
      }),
    );
    app = await startTestApp({ worker: true, env: { LOG_LEVEL: 'trace' } });
    // Route Nest's Logger (used by services and job handlers) into pino, as the real processes do.
    app.app.useLogger(app.app.get(Logger));
  });
  afterAll(async () => {
    captureLogsForTests(undefined);
    await app.close();
  });

  it('processes a web-form request and an email with a distinctive name and address without leaking them', async () => {
    await submitForm(
      app,
      {
        name: NAME,
        email: ADDRESS,
        subject: SUBJECT,
        message: `Dear desk, ${NAME} here, write to ${ADDRESS}.`,
        consentPromotionalEmail: true,
      },
      { filename: 'oberdorfer-contract.pdf', data: Buffer.from('%PDF Xanthippe') },
    );

    // The email path: a staged RFC 5322 message through the same queue and pipeline.
    const raw = Buffer.from(
      [
        `From: "${NAME}" <${ADDRESS}>`,
        'To: support@desk.example',
        `Subject: Re: ${SUBJECT}`,
        `Message-ID: <m1@leak-test.example>`,
        'Date: Fri, 27 Nov 2026 10:00:00 +0000',
        'Content-Type: text/plain; charset=utf-8',
        '',
        `Hello, ${NAME} again.`,
        '',
      ].join('\r\n'),
    );
    const [staged] = await app.dataSource.query<Array<{ id: string }>>(
      `INSERT INTO inbound_messages (kind, raw, size, sha256) VALUES ($1, $2, $3, $4) RETURNING id`,
      [InboundKind.Email, raw, raw.length, createHash('sha256').update(raw).digest('hex')],
    );
    const stagedId = staged.id;
    await app.app
      .get(QueueService)
      .add({ name: JobName.ProcessInbound, data: { inboundMessageId: stagedId } }, { jobId: stagedId });
    await waitFor(
      async () => {
        const [row] = await app.dataSource.query<Array<{ status: string }>>(
          `SELECT status FROM inbound_messages WHERE id = $1`,
          [stagedId],
        );
        return row?.status === 'processed' || row?.status === 'quarantined';
      },
      { what: 'email processed' },
    );

    // A sign-in attempt with the address, and a form error that names it.
    await fetch(`${app.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: ADDRESS, password: `${NAME} password` }),
    });
    const invalid = await fetch(`${app.baseUrl}/api/requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: `${NAME}\r\nBcc: x`, email: `not-an-address ${ADDRESS}`, subject: SUBJECT }),
    });
    expect(invalid.status).toBe(400);
    expect(leaks(await invalid.text())).toEqual([]);

    // The data really is in the database (so the checks below could fail).
    const [contact] = await app.dataSource.query<Array<{ name: string }>>(
      `SELECT name FROM contacts WHERE email = $1`,
      [ADDRESS],
    );
    expect(contact?.name).toBe(NAME);

    // Logs: the pipeline logged, and no line names the person.
    await waitFor(() => lines.some((l) => l.includes('inbound processed')), { what: 'log lines' });
    expect(lines.length).toBeGreaterThan(3);
    // Request logs are captured too (pino-http), not only service logs.
    expect(lines.some((l) => l.includes('"statusCode"'))).toBe(true);
    expect(lines.filter((l) => leaks(l).length > 0)).toEqual([]);

    // Redis: every key and value under this run's prefix.
    const entries = await app.redis.dump();
    expect(entries.length).toBeGreaterThan(0);
    for (const { key, value } of entries) {
      expect(leaks(key)).toEqual([]);
      expect({ key, leaks: leaks(value) }).toEqual({ key, leaks: [] });
    }

    // Jobs in any state (completed ones are removed, but check whatever is kept): ids only.
    for (const name of Object.values(QueueName)) {
      const jobs = await app.app
        .get(QueueService)
        .queue(name)
        .getJobs(['completed', 'failed', 'waiting', 'delayed', 'active']);
      for (const job of jobs) {
        expect(leaks(JSON.stringify({ data: job.data, result: job.returnvalue, reason: job.failedReason }))).toEqual(
          [],
        );
      }
    }

    // Metrics: labels and values.
    const metrics = await fetch(`${app.baseUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(leaks(await metrics.text())).toEqual([]);
  });
});
