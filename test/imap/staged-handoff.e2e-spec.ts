import { InboundMessageEntity, MessageDirection, MessageEntity, TicketEntity } from '@app/database';
import { IntakeMetrics, sharedStagedBytes } from '@app/intake';
import { In } from 'typeorm';
import { stageEmails } from '../support/stage-email';
import { email, startImapEnv, ticketsWithSubjectPrefix, USER, waitForTickets, type ImapEnv } from './support/imap-env';

/**
 * All-in-one (poller, web form and worker in one process): the worker takes the bytes the poller
 * or the form just staged from the process's hand-off instead of reading them back from
 * PostgreSQL; what another process staged is read from the row as before. Either way the row keeps
 * the bytes until the commit and none afterwards.
 */
describe('staged bytes handed to the worker of the same process', () => {
  let env: ImapEnv;

  beforeAll(async () => {
    env = await startImapEnv();
  });
  afterAll(async () => {
    await env?.close();
  });

  async function reads(): Promise<{ handoff: number; database: number }> {
    const { values } = await env.app.app.get(IntakeMetrics).rawReads.get();
    const of = (source: string) => values.find((v) => v.labels.source === source)?.value ?? 0;
    return { handoff: of('handoff'), database: of('database') };
  }

  it('takes mail the poller staged, and web-form requests, from memory; reads what others staged', async () => {
    const before = await reads();
    for (let i = 1; i <= 3; i++)
      await env.dovecot.append(USER, 'INBOX', email({ subject: `Handoff ${i}`, body: `Body number ${i}.` }));
    await env.startPoller();
    await waitForTickets(env.app, 'Handoff', 3);
    expect(await reads()).toEqual({ handoff: before.handoff + 3, database: before.database });

    // The tickets hold what was in the mail, and the staging rows hold no bytes any more.
    const ds = env.app.dataSource;
    const tickets = await ds
      .getRepository(TicketEntity)
      .find({ where: { subject: In(['Handoff 1', 'Handoff 2', 'Handoff 3']) } });
    const bodies = await ds
      .getRepository(MessageEntity)
      .find({ where: { ticketId: In(tickets.map((t) => t.id)), direction: MessageDirection.In } });
    expect(bodies.map((m) => m.bodyText?.trim()).sort()).toEqual([
      'Body number 1.',
      'Body number 2.',
      'Body number 3.',
    ]);
    const staged = await ds.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM inbound_messages WHERE mailbox_id = $1 AND raw IS NOT NULL`,
      [env.mailboxId],
    );
    expect(staged[0]?.n).toBe(0);

    // A web-form request staged by this process's API.
    const res = await fetch(`${env.app.baseUrl}/api/requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'Ada',
        email: 'ada@handoff.test',
        subject: 'Handoff form',
        message: 'From the form.',
      }),
    });
    expect(res.status).toBe(202);
    await waitForTickets(env.app, 'Handoff form', 1);
    expect(await reads()).toEqual({ handoff: before.handoff + 4, database: before.database });

    // A row another process staged (inserted directly): read back from the database.
    const [other] = await stageEmails(env.app, [email({ subject: 'Handoff elsewhere', body: 'Staged elsewhere.' })]);
    await waitForTickets(env.app, 'Handoff elsewhere', 1);
    expect(await reads()).toEqual({ handoff: before.handoff + 4, database: before.database + 1 });
    const row = await ds.getRepository(InboundMessageEntity).findOneByOrFail({ id: other });
    expect(row.raw).toBeNull();
    expect(sharedStagedBytes().stats.entries).toBe(0);
  }, 60_000);

  it('reads the bytes back from the row when the first attempt failed after taking them', async () => {
    const ds = env.app.dataSource;
    // The first ticket insert for this subject fails (a sequence is not rolled back with it).
    await ds.query(`CREATE SEQUENCE handoff_fail_once`);
    await ds.query(`CREATE FUNCTION handoff_fail_once() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.subject = 'Handoff retry' AND nextval('handoff_fail_once') = 1 THEN
          RAISE EXCEPTION 'first attempt fails';
        END IF;
        RETURN NEW;
      END $$`);
    await ds.query(
      `CREATE TRIGGER handoff_fail_once BEFORE INSERT ON tickets FOR EACH ROW EXECUTE FUNCTION handoff_fail_once()`,
    );
    try {
      const before = await reads();
      await env.dovecot.append(USER, 'INBOX', email({ subject: 'Handoff retry', body: 'Second time lucky.' }));
      await waitForTickets(env.app, 'Handoff retry', 1);
      // Taken from the hand-off for the first attempt, read from the row for the retry.
      expect(await reads()).toEqual({ handoff: before.handoff + 1, database: before.database + 1 });
      const [failed] = await ds.query<Array<{ n: string }>>(`SELECT last_value AS n FROM handoff_fail_once`);
      expect(Number(failed?.n)).toBeGreaterThanOrEqual(2);
      const [ticket] = await ticketsWithSubjectPrefix(env.app, 'Handoff retry');
      const bodies = await ds
        .getRepository(MessageEntity)
        .find({ where: { ticketId: ticket?.id, direction: MessageDirection.In } });
      expect(bodies.map((m) => m.bodyText?.trim())).toEqual(['Second time lucky.']);
    } finally {
      await ds.query(`DROP TRIGGER handoff_fail_once ON tickets`);
      await ds.query(`DROP FUNCTION handoff_fail_once()`);
      await ds.query(`DROP SEQUENCE handoff_fail_once`);
    }
  }, 60_000);
});
