import { InboundMessageEntity, MessageDirection, MessageEntity, TicketEntity } from '@app/database';
import { IntakeMetrics, sharedStagedBytes } from '@app/intake';
import { In } from 'typeorm';
import { stageEmails } from '../support/stage-email';
import { email, startImapEnv, USER, waitForTickets, type ImapEnv } from './support/imap-env';

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
});
