import { sha256Hex } from '@app/common';
import { InboundStatus } from '@app/database';
import { ExpireQuarantineHandler, MailboxService, QuarantineService, StageEmailUseCase } from '@app/intake';
import { JobName, QueueService } from '@app/queue';
import { freePort, waitFor } from '@app/testing';
import { runCli } from '../privacy/support/cli';
import { email, startImapEnv, ticketsWithSubjectPrefix, USER, waitForTickets, type ImapEnv } from './support/imap-env';

interface Row {
  id: string;
  status: InboundStatus;
  reason: string | null;
  uid: string | null;
  uid_validity: string | null;
  has_bytes: boolean;
  settled_at: Date | null;
}

/**
 * `intake quarantine replay|delete` act on the server copy through the worker: replay moves the
 * copy from Quarantine back to INBOX (or uses the stored bytes) and ends with one ticket; delete
 * expunges the copy and removes the row with its bytes.
 */
describe('quarantine replay and delete, server copy included', () => {
  let env: ImapEnv;

  beforeAll(async () => {
    env = await startImapEnv();
    await env.startPoller();
  });
  afterAll(async () => {
    await env?.close();
  });

  const rowsFor = (raw: Buffer): Promise<Row[]> =>
    env.app.dataSource.query<Row[]>(
      `SELECT id, status, reason, uid, uid_validity, raw IS NOT NULL AS has_bytes, settled_at
         FROM inbound_messages WHERE sha256 = $1`,
      [sha256Hex(raw)],
    );

  /**
   * The state a message is in after a transient failure was quarantined and settled: its copy in
   * the Quarantine folder, its row quarantined with the bytes, pointing at a UID that left INBOX.
   */
  // UIDs that left INBOX long ago (never seen by this poller), one per hand-made row.
  let handUid = 999_000;
  const quarantineByHand = async (
    raw: Buffer,
    options: { serverCopy: boolean; daysAgo?: number; mailboxId?: string },
  ): Promise<string> => {
    if (options.serverCopy) await env.dovecot.append(USER, 'Quarantine', raw);
    const uidValidity = await env.dovecot.uidValidity(USER, 'INBOX');
    const messageId = /^Message-ID: (.+)$/m.exec(raw.toString())?.[1]?.trim() ?? null;
    const rows = await env.app.dataSource.query<Array<{ id: string }>>(
      `INSERT INTO inbound_messages (kind, status, raw, size, sha256, reason, mailbox_id, uid_validity, uid,
                                     message_id_header, quarantined_at, settled_at, attempts)
       VALUES ('email', 'quarantined', $1, $2, $3, 'parse_timeout', $4, $5, $8, $6,
               now() - make_interval(days => $7), now() - make_interval(days => $7), 3)
       RETURNING id`,
      [
        raw,
        raw.length,
        sha256Hex(raw),
        options.mailboxId ?? env.mailboxId,
        uidValidity,
        messageId,
        options.daysAgo ?? 0,
        (handUid += 1),
      ],
    );
    return rows[0].id;
  };

  it('replay moves the copy from Quarantine back to INBOX; the row follows it and makes exactly one ticket', async () => {
    const raw = email({ subject: 'replay-back-1' });
    const id = await quarantineByHand(raw, { serverCopy: true });
    expect(await env.dovecot.count(USER, 'Quarantine')).toBe(1);

    const listed = await runCli(env.app, ['quarantine', 'list', '--json']);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ id, reason: 'parse_timeout', hasBytes: true }),
    ]);

    const replayed = await runCli(env.app, ['quarantine', 'replay', id]);
    expect(replayed.stderr).toBe('');
    expect(replayed.stdout).toBe(
      `replay ${id}: server copy moved back to the intake folder; it will be processed again\n`,
    );
    await waitForTickets(env.app, 'replay-back-', 1);
    await waitFor(
      async () => (await env.dovecot.count(USER, 'Processed')) >= 1 && (await rowsFor(raw))[0]?.settled_at,
      {
        what: 'replayed copy settled',
      },
    );
    expect(await env.dovecot.count(USER, 'Quarantine')).toBe(0);
    expect(await env.dovecot.count(USER, 'INBOX')).toBe(0);
    const processed = await env.dovecot.list(USER, 'Processed');
    expect(processed.filter((m) => m.source.equals(raw))).toHaveLength(1);
    // Still the one row, re-keyed to the copy's new UID, processed; the poller staged nothing else.
    const rows = await rowsFor(raw);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id, status: InboundStatus.Processed, reason: null, has_bytes: false });
    expect(Number(rows[0].uid)).toBeLessThan(999_000);
    expect(await ticketsWithSubjectPrefix(env.app, 'replay-back-')).toHaveLength(1);
    const listedAfter = await runCli(env.app, ['quarantine', 'list', '--json']);
    expect(JSON.parse(listedAfter.stdout)).toEqual([]);
  }, 60_000);

  it('replay of a message quarantined without its bytes (too large) moves the copy back for the poller to stage afresh', async () => {
    const raw = email({ subject: 'replay-large-1' });
    const id = await quarantineByHand(raw, { serverCopy: true });
    // As the poller stages a message over IMAP_MAX_MESSAGE_BYTES: hash and size, no bytes.
    await env.app.dataSource.query(`UPDATE inbound_messages SET raw = NULL, reason = 'too_large' WHERE id = $1`, [id]);
    // The limit has been raised since (this app's limit is far above this message).
    expect(await env.app.app.get(QuarantineService).replay(id)).toBe('moved_back');
    await waitForTickets(env.app, 'replay-large-', 1);
    await waitFor(async () => (await rowsFor(raw))[0]?.settled_at, { what: 'settled' });
    const rows = await rowsFor(raw);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: InboundStatus.Processed });
    expect(rows[0].id).not.toBe(id);
    expect(await env.dovecot.count(USER, 'Quarantine')).toBe(0);
    expect(await ticketsWithSubjectPrefix(env.app, 'replay-large-')).toHaveLength(1);
  }, 60_000);

  it('replay with no server copy left processes the stored bytes, once', async () => {
    const raw = email({ subject: 'replay-bytes-1' });
    const id = await quarantineByHand(raw, { serverCopy: false });
    const outcome = await env.app.app.get(QuarantineService).replay(id);
    expect(outcome).toBe('from_stored_bytes');
    await waitForTickets(env.app, 'replay-bytes-', 1);
    const row = await waitFor(async () => {
      const [r] = await rowsFor(raw);
      return r?.settled_at ? r : undefined;
    });
    expect(row).toMatchObject({ id, status: InboundStatus.Processed, has_bytes: false, uid: null });
    // A second replay finds nothing quarantined: still one ticket.
    await expect(env.app.app.get(QuarantineService).replay(id)).rejects.toMatchObject({
      code: 'quarantine_not_found',
    });
    expect(await ticketsWithSubjectPrefix(env.app, 'replay-bytes-')).toHaveLength(1);
  }, 60_000);

  it('a real quarantined message replays into quarantine again (one row), then delete expunges the copy and removes the row', async () => {
    const bad = Buffer.from('Subject: cursed-1\r\nMessage-ID: <cursed-1@x.test>\r\n\r\nno sender here\r\n');
    await env.dovecot.append(USER, 'INBOX', bad);
    const first = await waitFor(async () => {
      const [r] = await rowsFor(bad);
      return r?.status === InboundStatus.Quarantined && r.settled_at ? r : undefined;
    });
    expect(first.reason).toBe('no_sender_address');
    await waitFor(async () => (await env.dovecot.count(USER, 'Quarantine')) === 1, { what: 'in Quarantine' });

    // Still no sender: processed again, quarantined again, moved to Quarantine again — same row.
    expect(await env.app.app.get(QuarantineService).replay(first.id)).toBe('moved_back');
    const again = await waitFor(async () => {
      const [r] = await rowsFor(bad);
      return r?.status === InboundStatus.Quarantined && r.settled_at && r.uid !== first.uid ? r : undefined;
    });
    expect(again.id).toBe(first.id);
    expect(await rowsFor(bad)).toHaveLength(1);
    await waitFor(async () => (await env.dovecot.count(USER, 'Quarantine')) === 1, { what: 'back in Quarantine' });
    expect(await env.dovecot.count(USER, 'INBOX')).toBe(0);

    const deleted = await runCli(env.app, ['quarantine', 'delete', first.id]);
    // Whole result, so a failure shows the CLI's stderr too.
    expect(deleted).toEqual({
      code: 0,
      stdout: `delete ${first.id}: server copy expunged; stored bytes and row removed\n`,
      stderr: '',
    });
    expect(await env.dovecot.count(USER, 'Quarantine')).toBe(0);
    expect(await env.dovecot.count(USER, 'INBOX')).toBe(0);
    expect(await rowsFor(bad)).toHaveLength(0);
    expect(await ticketsWithSubjectPrefix(env.app, 'cursed-')).toHaveLength(0);

    const unknown = await runCli(env.app, ['quarantine', 'delete', first.id]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('No such quarantined message');
  }, 60_000);

  it('delete of a quarantined message without a server copy removes the row and says so', async () => {
    const raw = email({ subject: 'gone-1' });
    const id = await quarantineByHand(raw, { serverCopy: false });
    expect(await env.app.app.get(QuarantineService).delete(id)).toBe('no_server_copy');
    expect(await rowsFor(raw)).toHaveLength(0);
  });

  it('staging re-keys a row being replayed instead of inserting a second one (the poller wins the race)', async () => {
    const raw = email({ subject: 'race-1' });
    const [row] = await env.app.dataSource.query<Array<{ id: string }>>(
      // What replay leaves between marking the row and recording the copy's new UID.
      `INSERT INTO inbound_messages (kind, status, raw, size, sha256, mailbox_id, message_id_header)
       VALUES ('email', 'received', $1, $2, $3, $4, $5) RETURNING id`,
      [raw, raw.length, sha256Hex(raw), env.mailboxId, /^Message-ID: (.+)$/m.exec(raw.toString())?.[1]?.trim()],
    );
    const uidValidity = await env.dovecot.uidValidity(USER, 'INBOX');
    const [staged] = await env.app.app
      .get(StageEmailUseCase)
      .executeBatch(env.mailboxId, uidValidity, [{ uid: 888888, raw }]);
    expect(staged).toMatchObject({ id: row.id, state: 'reconciled' });
    const rows = await rowsFor(raw);
    expect(rows).toHaveLength(1);
    expect(Number(rows[0].uid)).toBe(888888);
    await waitForTickets(env.app, 'race-', 1);
    expect(await ticketsWithSubjectPrefix(env.app, 'race-')).toHaveLength(1);
  });

  it('expiry (QUARANTINE_RETENTION_DAYS) expunges old server copies and removes their rows and bytes; an unreachable mailbox still loses the bytes', async () => {
    const days = env.app.config.values.QUARANTINE_RETENTION_DAYS;
    const old = email({ subject: 'expired-1' });
    const fresh = email({ subject: 'fresh-1' });
    const stranded = email({ subject: 'stranded-1' });
    const oldId = await quarantineByHand(old, { serverCopy: true, daysAgo: days + 1 });
    const freshId = await quarantineByHand(fresh, { serverCopy: true, daysAgo: days - 1 });
    // A mailbox nobody can reach any more (nothing listens on its port).
    const unreachable = await env.app.app.get(MailboxService).create({
      name: 'gone',
      address: 'gone@desk.test',
      host: '127.0.0.1',
      port: await freePort(),
      tls: false,
      username: 'gone@desk.test',
      password: 'secret',
      enabled: false,
    });
    const strandedId = await quarantineByHand(stranded, {
      serverCopy: false,
      daysAgo: days + 5,
      mailboxId: unreachable.id,
    });
    expect(await env.dovecot.count(USER, 'Quarantine')).toBe(2);

    const result = await env.app.app.get(ExpireQuarantineHandler).expire(new Date());
    expect(result).toEqual({ deleted: 1, bytesOnly: 1 });

    expect(await rowsFor(old)).toHaveLength(0);
    const left = await env.dovecot.list(USER, 'Quarantine');
    expect(left.map((m) => m.source.equals(fresh))).toEqual([true]);
    expect(await rowsFor(fresh)).toEqual([expect.objectContaining({ id: freshId, has_bytes: true })]);
    expect(await rowsFor(stranded)).toEqual([
      expect.objectContaining({ id: strandedId, status: InboundStatus.Quarantined, has_bytes: false }),
    ]);
    expect(oldId).not.toBe(freshId);

    // The scheduled job runs the same code in the worker (through the queue).
    await env.app.dataSource.query(
      `UPDATE inbound_messages SET quarantined_at = now() - interval '400 days' WHERE id = $1`,
      [freshId],
    );
    await env.app.app.get(QueueService).add({ name: JobName.ExpireQuarantine, data: {} });
    await waitFor(async () => (await rowsFor(fresh)).length === 0, { what: 'expired by the queued job' });
    expect(await env.dovecot.count(USER, 'Quarantine')).toBe(0);
  }, 60_000);
});
