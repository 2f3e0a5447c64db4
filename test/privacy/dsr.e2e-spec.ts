import { UserRole } from '@app/database';
import { StatsRollupService, type DsrView } from '@app/privacy';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { staff, type StaffSession } from '../support/inbox-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';
import { call, submitForm } from './support/api';
import { scanDatabase, scannedColumnCount } from './support/scan';

const ERASED = { name: 'Zebediah Quillfeather', email: 'zeb.quillfeather@example.net' };
const NEEDLES = ['zebediah', 'quillfeather', 'zeb.quillfeather@example.net'];

describe('data-subject requests: export, correction, erasure', () => {
  let app: TestApp;
  let admin: StaffSession;

  beforeAll(async () => {
    app = await startTestApp({ worker: true });
    admin = await staff(app, UserRole.Admin, 'Dee Pio');
  });
  afterAll(async () => {
    await app.close();
  });

  async function request(type: string, contact: string, changes?: unknown): Promise<DsrView> {
    const res = await call(app, admin, 'POST', '/api/privacy/dsr', { type, contact, changes });
    expect(res.status).toBe(201);
    return (await res.json()) as DsrView;
  }

  async function statsSnapshot(): Promise<unknown[]> {
    await app.app.get(StatsRollupService).rollup({ settleMs: 0 });
    return app.dataSource.query(
      `SELECT day::text, channel, mailbox_id, group_id, created, solved, reopened, first_response_count,
              first_response_seconds::text, first_response_buckets, resolution_count, resolution_seconds::text,
              resolution_buckets
         FROM ticket_stats_daily ORDER BY 1, 2, 3, 4`,
    );
  }

  it('erases a contact: no trace of name or address in any text, JSON or binary column; statistics unchanged', async () => {
    const first = await submitForm(
      app,
      {
        name: ERASED.name,
        email: ERASED.email,
        subject: 'Quillfeather family account',
        message: 'Hello, this is Zebediah Quillfeather (zeb.quillfeather@example.net).',
        consentPromotionalEmail: true,
      },
      { filename: 'quillfeather-passport.pdf', data: Buffer.from('%PDF Zebediah Quillfeather') },
    );
    await submitForm(app, {
      name: ERASED.name,
      email: ERASED.email,
      subject: 'Second question',
      message: 'Signed, Zebediah',
    });
    // An agent's reply and note quote the customer; the ticket was solved (statistics count it).
    await app.dataSource.query(
      `INSERT INTO messages (ticket_id, direction, author_user_id, body_text, body_html, delivery_status, delivery_error)
       VALUES ($1, 'out', $2, 'Dear Zebediah Quillfeather, done.', '<p>Dear Zebediah</p>', 'failed',
               '550 <zeb.quillfeather@example.net> mailbox full')`,
      [first.ticketId, admin.id],
    );
    await app.dataSource.query(
      `INSERT INTO messages (ticket_id, direction, internal, author_user_id, body_text) VALUES ($1, 'out', true, $2, $3)`,
      [first.ticketId, admin.id, 'Note: Quillfeather called'],
    );
    await app.dataSource.query(
      `INSERT INTO history_events (ticket_id, actor_type, actor_id, type, field, old_value, new_value)
       VALUES ($1, 'user', $2, 'status_changed', 'status', 'new', 'solved')`,
      [first.ticketId, admin.id],
    );
    await app.dataSource.query(`UPDATE tickets SET status = 'solved', first_response_at = now() WHERE id = $1`, [
      first.ticketId,
    ]);
    // A later mail from them sits in quarantine, never committed.
    await app.dataSource.query(
      `INSERT INTO inbound_messages (kind, status, raw, size, sha256, reason, quarantined_at)
       VALUES ('email', 'quarantined', $1, 60, $2, 'parse_failed', now())`,
      [Buffer.from(`From: "Zebediah" <Zeb.Quillfeather@Example.net>\r\n\r\nbroken`), 'f'.repeat(64)],
    );
    // Someone else, who must keep everything.
    const other = await submitForm(app, {
      name: 'Other Person',
      email: 'other.person@example.org',
      subject: 'Unrelated',
      message: 'Keep me',
    });

    expect(await scanDatabase(app.dataSource, NEEDLES)).not.toEqual([]);
    const statsBefore = await statsSnapshot();
    expect(statsBefore.length).toBeGreaterThan(0);

    const created = await request('erasure', ERASED.email.toUpperCase());
    expect(created.status).toBe('received');
    expect(new Date(created.dueAt).getTime() - new Date(created.receivedAt).getTime()).toBe(30 * 24 * 3600_000);
    // Nothing happens before identity is verified.
    const early = await call(app, admin, 'POST', `/api/privacy/dsr/${created.id}/complete`, {});
    expect(early.status).toBe(409);
    expect((await call(app, admin, 'POST', `/api/privacy/dsr/${created.id}/verify`)).status).toBe(200);
    const done = await call(app, admin, 'POST', `/api/privacy/dsr/${created.id}/complete`, {});
    expect(done.status).toBe(200);
    const receipt = (await done.json()) as DsrView;
    expect(receipt.status).toBe('done');
    expect(receipt.receipt).toMatchObject({ mode: 'anonymise', tickets: 2, consents: 1, stagedInbound: 1 });
    expect(JSON.stringify(receipt)).not.toMatch(/zebediah|quillfeather/i);

    expect(await scannedColumnCount(app.dataSource)).toBeGreaterThan(40);
    expect(await scanDatabase(app.dataSource, NEEDLES)).toEqual([]);

    // Tickets, their history and statistics remain; the other person keeps everything.
    const [kept] = await app.dataSource.query<Array<{ status: string; subject: string }>>(
      `SELECT status, subject FROM tickets WHERE id = $1`,
      [first.ticketId],
    );
    expect(kept).toEqual({ status: 'solved', subject: '[redacted]' });
    expect(await scanDatabase(app.dataSource, ['other.person@example.org', 'keep me'])).not.toEqual([]);
    const [otherTicket] = await app.dataSource.query<Array<{ subject: string }>>(
      `SELECT subject FROM tickets WHERE id = $1`,
      [other.ticketId],
    );
    expect(otherTicket?.subject).toBe('Unrelated');
    expect(await statsSnapshot()).toEqual(statsBefore);

    const audit = await app.dataSource.query(
      `SELECT actor_type, actor_id, action, changes, details FROM audit_log ORDER BY id`,
    );
    expect(JSON.stringify(audit)).not.toMatch(/zebediah|quillfeather/i);
  });

  it('exports everything held about a contact as JSON plus attachments in one archive', async () => {
    const pdf = Buffer.concat([Buffer.from('%PDF-1.4 '), Buffer.alloc(3000, 9)]);
    const t = await submitForm(
      app,
      {
        name: 'Ursula Export',
        email: 'ursula@example.org',
        subject: 'Export me',
        message: 'My data please',
        consentMarketResearch: true,
      },
      { filename: 'contract.pdf', data: pdf },
    );
    const created = await request('export', t.contactId);
    await call(app, admin, 'POST', `/api/privacy/dsr/${created.id}/verify`);
    const res = await call(app, admin, 'POST', `/api/privacy/dsr/${created.id}/complete`, {});
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/gzip');
    const dir = mkdtempSync(join(tmpdir(), 'dsr-export-'));
    try {
      writeFileSync(join(dir, 'export.tar.gz'), Buffer.from(await res.arrayBuffer()));
      execFileSync('tar', ['-xzf', join(dir, 'export.tar.gz'), '-C', dir]);
      const doc = JSON.parse(readFileSync(join(dir, 'export.json'), 'utf8')) as {
        contact: { email: string; name: string };
        tickets: Array<{
          subject: string;
          messages: Array<{ body_text: string; attachments: Array<{ file: string }> }>;
        }>;
        consents: Array<{ purpose: string; granted: boolean }>;
      };
      expect(doc.contact).toMatchObject({ email: 'ursula@example.org', name: 'Ursula Export' });
      expect(doc.tickets.map((x) => x.subject)).toEqual(['Export me']);
      expect(doc.tickets[0]?.messages[0]?.body_text).toBe('My data please');
      expect(doc.consents).toEqual([expect.objectContaining({ purpose: 'market_research', granted: true })]);
      const file = doc.tickets[0]?.messages[0]?.attachments[0]?.file;
      expect(readFileSync(join(dir, file)).equals(pdf)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const view = (await (await call(app, admin, 'GET', `/api/privacy/dsr/${created.id}`)).json()) as DsrView;
    expect(view.status).toBe('done');
    expect(view.receipt).toMatchObject({ tickets: 1, attachments: 1, consents: 1 });
  });

  it('corrects fields and records which fields changed on each ticket, never the values', async () => {
    const t = await submitForm(app, { name: 'Vera Wrong', email: 'vera@example.org', subject: 'Fix me', message: 'x' });
    const created = await request('correction', 'vera@example.org', { name: 'Vera Right', phone: '+44 20 7946 0000' });
    expect(created.fields).toEqual(['name', 'phone']);
    expect(JSON.stringify(created)).not.toContain('Vera Right');
    await call(app, admin, 'POST', `/api/privacy/dsr/${created.id}/verify`);
    const done = (await (
      await call(app, admin, 'POST', `/api/privacy/dsr/${created.id}/complete`, {})
    ).json()) as DsrView;
    expect(done.receipt).toEqual({ fields: ['name', 'phone'], tickets: 1 });

    const [contact] = await app.dataSource.query<Array<{ name: string; phone: string }>>(
      `SELECT name, phone FROM contacts WHERE id = $1`,
      [t.contactId],
    );
    expect(contact).toEqual({ name: 'Vera Right', phone: '+44 20 7946 0000' });
    const history = await app.dataSource.query<Array<Record<string, unknown>>>(
      `SELECT type, field, old_value, new_value FROM history_events WHERE ticket_id = $1 AND type = 'contact_corrected' ORDER BY field`,
      [t.ticketId],
    );
    expect(history).toEqual([
      { type: 'contact_corrected', field: 'contact.name', old_value: null, new_value: null },
      { type: 'contact_corrected', field: 'contact.phone', old_value: null, new_value: null },
    ]);
    // The requested values were held only until done.
    expect(await scanDatabase(app.dataSource, ['vera wrong'])).toEqual([]);
    const hits = await scanDatabase(app.dataSource, ['vera right']);
    expect(hits.map((h) => `${h.table}.${h.column}`)).toEqual(['contacts.name']);
  });

  it('erases by deletion when asked: contact and tickets gone, history kept', async () => {
    const t = await submitForm(app, {
      name: 'Yorick Deleteme',
      email: 'yorick.deleteme@example.org',
      subject: 'Delete me',
      message: 'Yorick',
    });
    const created = await request('erasure', t.contactId);
    await call(app, admin, 'POST', `/api/privacy/dsr/${created.id}/verify`);
    const res = await call(app, admin, 'POST', `/api/privacy/dsr/${created.id}/complete`, { erasureMode: 'delete' });
    const done = (await res.json()) as DsrView;
    expect(done.receipt).toMatchObject({ mode: 'delete', contacts: 1, tickets: 1 });
    expect(await app.dataSource.query(`SELECT id FROM tickets WHERE id = $1`, [t.ticketId])).toEqual([]);
    expect(await app.dataSource.query(`SELECT id FROM contacts WHERE id = $1`, [t.contactId])).toEqual([]);
    const history = await app.dataSource.query(`SELECT type FROM history_events WHERE ticket_id = $1`, [t.ticketId]);
    expect(history.length).toBeGreaterThan(0);
    expect(await scanDatabase(app.dataSource, ['yorick', 'deleteme'])).toEqual([]);
  });

  it('rejects a correction to an address another contact has', async () => {
    await submitForm(app, { name: 'Wim', email: 'wim@example.org', subject: 's', message: 'm' });
    const created = await request('correction', 'wim@example.org', { email: 'ursula@example.org' });
    await call(app, admin, 'POST', `/api/privacy/dsr/${created.id}/verify`);
    const res = await call(app, admin, 'POST', `/api/privacy/dsr/${created.id}/complete`, {});
    expect(res.status).toBe(409);
    expect(await res.text()).not.toContain('ursula');
  });
});
