import { AttachmentStorage } from '@app/database';
import {
  DataClass,
  MAINTENANCE_SCHEDULERS,
  NIL_UUID,
  RetentionPolicyService,
  RetentionRunService,
  StatsRollupService,
} from '@app/privacy';
import { JobName, QueueName, QueueService } from '@app/queue';
import { waitFor } from '@app/testing';
import { startTestApp, type TestApp } from '../support/test-app';
import { insertContact, insertMailbox, insertTicket } from './support/seed';

const T0 = new Date('2026-11-20T08:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

describe('statistics: incremental rollup from history, unchanged by retention', () => {
  let app: TestApp;
  let ticketA: string;
  let mailbox: string;
  let group: string;

  beforeAll(async () => {
    app = await startTestApp({ worker: true });
    const ds = app.dataSource;
    const storage = app.app.get(AttachmentStorage);
    mailbox = await insertMailbox(ds, 'support');
    const [g] = await ds.query<Array<{ id: string }>>(`INSERT INTO groups (name) VALUES ('Billing') RETURNING id`);
    group = g.id;
    const contact = await insertContact(ds, { email: 'stats@example.org', name: 'Stat Person' });
    ticketA = await insertTicket(ds, storage, {
      contactId: contact,
      subject: 'A',
      status: 'closed',
      createdAt: T0,
      closedAt: at(300),
      mailboxId: mailbox,
    });
    await ds.query(`UPDATE tickets SET group_id = $2, first_response_at = $3 WHERE id = $1`, [ticketA, group, at(10)]);
    const history: Array<[string, string | null, string | null, string | null, Date]> = [
      ['ticket_created', 'channel', null, 'email', T0],
      ['message_received', 'message', null, null, T0],
      ['status_changed', 'status', 'new', 'solved', at(120)],
      ['status_changed', 'status', 'solved', 'open', at(180)],
      ['status_changed', 'status', 'open', 'closed', at(300)],
      ['priority_changed', 'priority', 'normal', 'high', at(301)],
    ];
    for (const [type, field, oldValue, newValue, when] of history) {
      await ds.query(
        `INSERT INTO history_events (ticket_id, actor_type, type, field, old_value, new_value, created_at)
         VALUES ($1, 'system', $2, $3, $4, $5, $6)`,
        [ticketA, type, field, oldValue, newValue, when],
      );
    }
  });
  afterAll(async () => {
    await app.close();
  });

  async function rows(): Promise<Array<Record<string, unknown>>> {
    return app.dataSource.query(
      `SELECT day::text AS day, channel, mailbox_id, group_id, created, solved, reopened,
              first_response_count, first_response_seconds::int AS first_response_seconds, first_response_buckets,
              resolution_count, resolution_seconds::int AS resolution_seconds, resolution_buckets
         FROM ticket_stats_daily ORDER BY day, channel`,
    );
  }

  it('registers the maintenance schedules in BullMQ', async () => {
    const queue = app.app.get(QueueService).queue(QueueName.Maintenance);
    // Other features schedule their own sweeps on this queue too (the upload sweep, issue 14).
    const schedulers = await waitFor(async () => {
      const keys = (await queue.getJobSchedulers()).map((s) => s.key);
      return MAINTENANCE_SCHEDULERS.every((k) => keys.includes(k)) ? keys : undefined;
    });
    expect(schedulers).toEqual(expect.arrayContaining([...MAINTENANCE_SCHEDULERS]));
  });

  it('counts created, solved, reopened and time distributions per day, channel, mailbox and group', async () => {
    // The worker's every-minute scheduler may have rolled these events up already (the watermark row
    // is locked, so the two runs never count twice); what matters is the table, checked below.
    await app.app.get(StatsRollupService).rollup({ settleMs: 0 });
    expect(await rows()).toEqual([
      {
        day: '2026-11-20',
        channel: 'email',
        mailbox_id: mailbox,
        group_id: group,
        created: 1,
        solved: 2,
        reopened: 1,
        first_response_count: 1,
        first_response_seconds: 600,
        // 10 minutes: second bucket (≤ 15 min).
        first_response_buckets: [0, 1, 0, 0, 0, 0, 0, 0, 0, 0],
        resolution_count: 2,
        resolution_seconds: 7200 + 18000,
        // 2 h (≤ 4 h) and 5 h (≤ 8 h).
        resolution_buckets: [0, 0, 0, 1, 1, 0, 0, 0, 0, 0],
      },
    ]);
    // Running again adds nothing: the watermark and first-response markers remember.
    await app.app.get(StatsRollupService).rollup({ settleMs: 0 });
    expect((await rows())[0]).toMatchObject({ created: 1, solved: 2, first_response_count: 1 });
  });

  it('runs as a queue job on demand', async () => {
    await app.dataSource.query(
      `INSERT INTO history_events (ticket_id, actor_type, type, field, old_value, new_value, created_at)
       VALUES ($1, 'system', 'ticket_created', 'channel', NULL, 'form', now() - interval '1 minute')`,
      [NIL_UUID],
    );
    await app.app.get(QueueService).add({ name: JobName.StatsRollup, data: {} }, { jobId: `rollup-${Date.now()}` });
    const form = await waitFor(async () => (await rows()).find((r) => r.channel === 'form'), { what: 'form row' });
    expect(form).toMatchObject({ created: 1, mailbox_id: NIL_UUID, group_id: NIL_UUID });
  });

  it('runs the retention sweep as a queue job, with its own audit record', async () => {
    await app.app
      .get(QueueService)
      .add({ name: JobName.RetentionSweep, data: { trigger: 'manual' } }, { jobId: `sweep-${Date.now()}` });
    const run = await waitFor(
      async () =>
        (
          await app.dataSource.query<Array<{ actor: string; status: string; job_id: string }>>(
            `SELECT actor, status, job_id FROM retention_runs WHERE status = 'completed'`,
          )
        )[0],
      { what: 'retention run' },
    );
    expect(run).toMatchObject({ actor: 'system', status: 'completed' });
    expect(run.job_id).toMatch(/^sweep-/);
  });

  it('is unchanged by a retention run that deletes the ticket', async () => {
    const before = await rows();
    const policies = app.app.get(RetentionPolicyService);
    await policies.set({ dataClass: DataClass.ClosedTicketContent, days: 1, action: 'delete', actor: 'cli' });
    const report = await app.app.get(RetentionRunService).run({ actor: 'cli' });
    expect(report.result.done['closed_ticket_content.delete.ticket']).toBe(1);
    expect(await app.dataSource.query(`SELECT id FROM tickets WHERE id = $1`, [ticketA])).toEqual([]);
    await app.app.get(StatsRollupService).rollup({ settleMs: 0 });
    expect(await rows()).toEqual(before);
  });
});
