import { AttachmentStorage } from '@app/database';
import {
  DataClass,
  PrivacyModule,
  RetentionPolicyService,
  RetentionRunService,
  type RetentionPlan,
} from '@app/privacy';
import { waitFor } from '@app/testing';
import { Queue, Worker } from 'bullmq';
import Redis from 'ioredis';
import { startTestApp, type TestApp } from '../support/test-app';
import { runCli } from './support/cli';
import { daysAgo, insertContact, insertMailbox, insertTicket } from './support/seed';

interface Snapshot {
  rawInbound: Set<string>;
  logins: Map<string, string | null>;
  redactedTickets: Set<string>;
  tickets: Set<string>;
  anonymisedContacts: Set<string>;
  failedJobs: Set<string>;
}

describe('retention: the dry-run plan is exactly what a real run changes', () => {
  let app: TestApp;
  const seeded: Record<string, string> = {};

  beforeAll(async () => {
    app = await startTestApp({ extraModules: [PrivacyModule] });
    const ds = app.dataSource;
    const storage = app.app.get(AttachmentStorage);
    const policies = app.app.get(RetentionPolicyService);
    const mailbox = await insertMailbox(ds, 'sales');
    // Sales keeps closed tickets for 300 days instead of the default 90.
    await policies.set({ dataClass: DataClass.ClosedTicketContent, days: 300, mailboxId: mailbox, actor: 'cli' });

    const gone = await insertContact(ds, {
      email: 'old@example.org',
      name: 'Olga Oldtimer',
      lastActivity: daysAgo(500),
    });
    seeded.oldTicket = await insertTicket(ds, storage, {
      contactId: gone,
      subject: 'Old invoice question',
      status: 'closed',
      createdAt: daysAgo(420),
      closedAt: daysAgo(410),
      reply: 'Dear Olga, fixed.',
      attachment: { filename: 'invoice.pdf', data: Buffer.from('%PDF old') },
    });
    seeded.goneContact = gone;

    const recent = await insertContact(ds, { email: 'recent@example.org', name: 'Rita Recent' });
    seeded.closedLongAgo = await insertTicket(ds, storage, {
      contactId: recent,
      subject: 'Closed 120 days ago',
      status: 'closed',
      createdAt: daysAgo(130),
      closedAt: daysAgo(120),
    });
    seeded.closedRecently = await insertTicket(ds, storage, {
      contactId: recent,
      subject: 'Closed 10 days ago',
      status: 'closed',
      createdAt: daysAgo(12),
      closedAt: daysAgo(10),
    });
    seeded.salesClosed = await insertTicket(ds, storage, {
      contactId: recent,
      subject: 'Sales ticket closed 200 days ago',
      status: 'closed',
      createdAt: daysAgo(210),
      closedAt: daysAgo(200),
      mailboxId: mailbox,
    });
    const waiting = await insertContact(ds, {
      email: 'open@example.org',
      name: 'Otto Open',
      lastActivity: daysAgo(600),
    });
    seeded.openTicket = await insertTicket(ds, storage, {
      contactId: waiting,
      subject: 'Still open',
      status: 'pending',
      createdAt: daysAgo(600),
    });
    seeded.waitingContact = waiting;

    for (const [age, ip] of [
      [2, '203.0.113.5'],
      [60, '198.51.100.77'],
      [400, '192.0.2.1'],
      [45, '2001:db8:85a3:1:2:3:4:5'],
    ] as Array<[number, string]>) {
      await ds.query(
        `INSERT INTO login_events (success, ip, browser, language, created_at) VALUES (true, $1, 'Firefox 140', 'en', $2)`,
        [ip, daysAgo(age)],
      );
    }
    for (const age of [40, 5]) {
      await ds.query(
        `INSERT INTO inbound_messages (kind, status, raw, size, sha256, reason, quarantined_at, created_at)
         VALUES ('email', 'quarantined', $1, 20, $2, 'parse_failed', $3, $3)`,
        [Buffer.from(`From: x@example.org\r\n\r\n${age}`), String(age).padStart(64, '0'), daysAgo(age)],
      );
    }

    // Two failed jobs on the maintenance queue: one failed 10 days ago, one just now.
    const connection = new Redis(app.redis.url, { maxRetriesPerRequest: null });
    const queue = new Queue('maintenance', { connection, prefix: app.redis.prefix });
    const workerConnection = connection.duplicate();
    const worker = new Worker(
      'maintenance',
      async () => {
        throw new Error('synthetic failure');
      },
      { connection: workerConnection, prefix: app.redis.prefix },
    );
    await queue.add('stats-rollup', {}, { jobId: 'old-failure', attempts: 1 });
    await queue.add('stats-rollup', {}, { jobId: 'new-failure', attempts: 1 });
    await waitFor(async () => (await queue.getFailedCount()) === 2, { what: 'failed jobs' });
    await worker.close();
    await connection.hset(`${app.redis.prefix}:maintenance:old-failure`, 'finishedOn', String(daysAgo(10).getTime()));
    await queue.close();
    await workerConnection.quit();
    await connection.quit();
  });

  afterAll(async () => {
    await app.close();
  });

  async function snapshot(): Promise<Snapshot> {
    const ds = app.dataSource;
    const rows = <T>(sql: string) => ds.query<T[]>(sql);
    const failed = await app.redis.client().zrange(`${app.redis.prefix}:maintenance:failed`, 0, -1);
    return {
      rawInbound: new Set(
        (await rows<{ id: string }>(`SELECT id FROM inbound_messages WHERE raw IS NOT NULL`)).map((r) => r.id),
      ),
      logins: new Map(
        (await rows<{ id: string; ip: string | null }>(`SELECT id::text AS id, ip FROM login_events`)).map((r) => [
          r.id,
          r.ip,
        ]),
      ),
      redactedTickets: new Set(
        (await rows<{ ticket_id: string }>(`SELECT ticket_id FROM ticket_redactions`)).map((r) => r.ticket_id),
      ),
      tickets: new Set((await rows<{ id: string }>(`SELECT id FROM tickets`)).map((r) => r.id)),
      anonymisedContacts: new Set(
        (await rows<{ id: string }>(`SELECT id FROM contacts WHERE anonymized_at IS NOT NULL`)).map((r) => r.id),
      ),
      failedJobs: new Set(failed.map((id) => `maintenance:${id}`)),
    };
  }

  function planned(plan: RetentionPlan, key: string): string[] {
    return plan.entries
      .filter((e) => `${e.dataClass}.${e.action}.${e.target}` === key)
      .flatMap((e) => e.ids)
      .sort();
  }

  const minus = <T>(a: Set<T> | Map<T, unknown>, b: Set<T> | Map<T, unknown>) =>
    [...a.keys()]
      .filter((x) => !b.has(x))
      .map(String)
      .sort();

  it('plans with the CLI, runs with the CLI, and changes exactly the planned ids', async () => {
    const dry = await runCli(app, ['retention', 'run', '--dry-run', '--json']);
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    const plan = JSON.parse(dry.stdout) as RetentionPlan;

    // The plan is what the seed makes due, and nothing else.
    // The old contact's ticket is due by its own closing date; the contact rule adds nothing twice.
    expect(planned(plan, 'closed_ticket_content.redact.ticket')).toEqual(
      [seeded.closedLongAgo, seeded.oldTicket].sort(),
    );
    expect(planned(plan, 'inactive_contacts.redact.ticket')).toEqual([]);
    expect(planned(plan, 'inactive_contacts.anonymise.contact')).toEqual([seeded.goneContact]);
    expect(planned(plan, 'failed_jobs.delete.queue_job')).toEqual(['maintenance:old-failure']);
    expect(planned(plan, 'login_events.delete.login_event')).toHaveLength(1);
    expect(planned(plan, 'login_ip.truncate.login_event')).toHaveLength(2);
    expect(planned(plan, 'quarantined_inbound.delete.inbound_message')).toHaveLength(1);

    // A dry run changed nothing.
    const before = await snapshot();
    expect(before.redactedTickets.size).toBe(0);

    const real = await runCli(app, ['retention', 'run']);
    expect(real.code).toBe(0);
    const after = await snapshot();

    expect(minus(before.rawInbound, after.rawInbound)).toEqual(
      planned(plan, 'quarantined_inbound.delete.inbound_message'),
    );
    expect(minus(before.failedJobs, after.failedJobs)).toEqual(planned(plan, 'failed_jobs.delete.queue_job'));
    expect(minus(before.logins, after.logins)).toEqual(planned(plan, 'login_events.delete.login_event'));
    const truncated = [...after.logins]
      .filter(([id, ip]) => before.logins.get(id) !== ip)
      .map(([id]) => id)
      .sort();
    expect(truncated).toEqual(planned(plan, 'login_ip.truncate.login_event'));
    expect([...after.logins.values()].sort()).toEqual(['198.51.100.0', '2001:db8:85a3::', '203.0.113.5']);
    expect([...after.redactedTickets].sort()).toEqual(
      [
        ...planned(plan, 'closed_ticket_content.redact.ticket'),
        ...planned(plan, 'inactive_contacts.redact.ticket'),
      ].sort(),
    );
    expect(minus(after.anonymisedContacts, before.anonymisedContacts)).toEqual(
      planned(plan, 'inactive_contacts.anonymise.contact'),
    );
    expect(after.tickets).toEqual(before.tickets);

    // Redacted content is really gone: bodies, subject, attachment bytes; the ticket row stays.
    const [old] = await app.dataSource.query<Array<{ subject: string; status: string }>>(
      `SELECT subject, status FROM tickets WHERE id = $1`,
      [seeded.oldTicket],
    );
    expect(old).toEqual({ subject: '[redacted]', status: 'closed' });
    const bodies = await app.dataSource.query<Array<{ body_text: string; body_html: string | null }>>(
      `SELECT body_text, body_html FROM messages WHERE ticket_id = $1`,
      [seeded.oldTicket],
    );
    expect(bodies).toEqual([
      { body_text: '[redacted]', body_html: null },
      { body_text: '[redacted]', body_html: null },
    ]);
    expect(await app.dataSource.query(`SELECT count(*)::int AS n FROM attachment_contents`)).toEqual([{ n: 0 }]);
    const [contact] = await app.dataSource.query<Array<Record<string, unknown>>>(
      `SELECT email, name FROM contacts WHERE id = $1`,
      [seeded.goneContact],
    );
    expect(contact).toEqual({ email: null, name: null });

    // One audit record: actor, policy and counts, no ids of anything.
    const runs = await app.dataSource.query<Array<Record<string, unknown>>>(`SELECT * FROM retention_runs`);
    expect(runs).toHaveLength(1);
    expect(runs[0]?.actor).toBe('cli');
    expect(runs[0]?.status).toBe('completed');
    expect(runs[0]?.done).toEqual(
      Object.fromEntries(plan.entries.map((e) => [`${e.dataClass}.${e.action}.${e.target}`, e.count])),
    );
    const audit = JSON.stringify(runs[0]);
    for (const id of Object.values(seeded)) expect(audit).not.toContain(id);

    // Nothing more is due: a second plan is empty.
    const again = await runCli(app, ['retention', 'run', '--dry-run', '--json']);
    expect((JSON.parse(again.stdout) as RetentionPlan).entries).toEqual([]);
  });

  it('skips items that stopped qualifying between plan and run (reopened ticket)', async () => {
    const ds = app.dataSource;
    const storage = app.app.get(AttachmentStorage);
    const contact = await insertContact(ds, { email: 'reopen@example.org', name: 'Reo Pen' });
    const ticket = await insertTicket(ds, storage, {
      contactId: contact,
      subject: 'Closed long ago, then reopened',
      status: 'closed',
      createdAt: daysAgo(200),
      closedAt: daysAgo(150),
    });
    const runs = app.app.get(RetentionRunService);
    const plan = await runs.dryRun();
    expect(plan.entries.flatMap((e) => e.ids)).toContain(ticket);
    await ds.query(`UPDATE tickets SET status = 'open' WHERE id = $1`, [ticket]);
    const report = await runs.execute(plan, { actor: 'cli' });
    expect(report.result.skipped['closed_ticket_content.redact.ticket']).toBe(1);
    const [row] = await ds.query<Array<{ subject: string }>>(`SELECT subject FROM tickets WHERE id = $1`, [ticket]);
    expect(row?.subject).toBe('Closed long ago, then reopened');
  });

  it('repeats a plan safely: every batch is idempotent, so a run cut short can simply run again', async () => {
    const ds = app.dataSource;
    const storage = app.app.get(AttachmentStorage);
    const contact = await insertContact(ds, { email: 'twice@example.org', name: 'Tw Ice' });
    for (let i = 0; i < 3; i++) {
      await insertTicket(ds, storage, {
        contactId: contact,
        subject: `Twice ${i}`,
        status: 'closed',
        createdAt: daysAgo(300),
        closedAt: daysAgo(200),
        attachment: { filename: `f${i}.pdf`, data: Buffer.from(`%PDF ${i}`) },
      });
    }
    const runs = app.app.get(RetentionRunService);
    const plan = await runs.dryRun();
    const key = 'closed_ticket_content.redact.ticket';
    expect(planned(plan, key)).toHaveLength(3);
    const first = await runs.execute(plan, { actor: 'cli' });
    const second = await runs.execute(plan, { actor: 'cli' });
    expect(first.result.done[key]).toBe(3);
    expect(second.result).toEqual({ done: { [key]: 0 }, skipped: { [key]: 3 } });
  });
});
