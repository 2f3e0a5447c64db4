import { AttachmentStorage } from '@app/database';
import type { DsrView } from '@app/privacy';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../support/test-app';
import { runCli } from './support/cli';
import { insertContact, insertTicket } from './support/seed';
import { scanDatabase } from './support/scan';

/**
 * Every documented flag of `intake dsr …`, end to end through the real CLI process: afterwards the
 * data is really exported, corrected or gone (or, without --identity-verified, still there).
 */
// Each CLI call is a process of its own (about 2 s here, far more on a loaded machine).
jest.setTimeout(180_000);

describe('intake dsr: every flag, end to end', () => {
  let app: TestApp;
  let dir: string;

  beforeAll(async () => {
    app = await startTestApp({ api: false });
    dir = mkdtempSync(join(tmpdir(), 'dsr-cli-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await app?.close();
  });

  async function person(name: string, email: string, extra: { company?: string; website?: string } = {}) {
    const contactId = await insertContact(app.dataSource, { email, name, phone: '+1 555 0100' });
    if (extra.company || extra.website)
      await app.dataSource.query('UPDATE contacts SET company = $2, website = $3 WHERE id = $1', [
        contactId,
        extra.company ?? null,
        extra.website ?? null,
      ]);
    const ticketId = await insertTicket(app.dataSource, app.app.get(AttachmentStorage), {
      contactId,
      subject: `Question from ${name}`,
      status: 'open',
      createdAt: new Date(),
      body: `Hello, this is ${name} (${email}).`,
      attachment: { filename: 'id-card.pdf', data: Buffer.from(`%PDF ${name}`) },
    });
    return { contactId, ticketId };
  }

  function unpack(archive: string): { contact: { email: string; name: string }; tickets: Array<{ subject: string }> } {
    const into = mkdtempSync(join(dir, 'x-'));
    execFileSync('tar', ['-xzf', archive, '-C', into]);
    return JSON.parse(readFileSync(join(into, 'export.json'), 'utf8')) as ReturnType<typeof unpack>;
  }

  const contactRow = async (id: string) =>
    (
      await app.dataSource.query<Array<Record<string, unknown>>>(
        'SELECT name, email, company, website, phone, anonymized_at FROM contacts WHERE id = $1',
        [id],
      )
    )[0];

  it('export --identity-verified writes the archive to --out (or the working directory) at once', async () => {
    const ann = await person('Annabel Exportova', 'annabel.exportova@example.org');
    const out = join(dir, 'annabel.tar.gz');
    const [withOut, byDefault] = await Promise.all([
      runCli(app, [
        'dsr',
        'export',
        '--contact',
        'annabel.exportova@example.org',
        '--identity-verified',
        '--out',
        out,
        '--json',
      ]),
      runCli(app, ['dsr', 'export', '--contact', ann.contactId, '--identity-verified'], { cwd: dir }),
    ]);
    expect(withOut.code).toBe(0);
    expect((JSON.parse(withOut.stdout) as DsrView).status).toBe('done');
    const doc = unpack(out);
    expect(doc.contact).toMatchObject({ email: 'annabel.exportova@example.org', name: 'Annabel Exportova' });
    expect(doc.tickets.map((t) => t.subject)).toEqual(['Question from Annabel Exportova']);

    expect(byDefault.code).toBe(0);
    const written = /archive written to (\S+)/.exec(byDefault.stdout)?.[1];
    expect(written).toMatch(new RegExp(`^${dir}/intake-export-[0-9a-f-]{36}\\.tar\\.gz$`));
    expect(unpack(written!).contact.email).toBe('annabel.exportova@example.org');
    expect(byDefault.stdout).toMatch(/^export request [0-9a-f-]{36}: done/m);
  });

  it('correct --identity-verified applies --name, --email, --company, --website and --phone ("" clears)', async () => {
    const bea = await person('Bea Wrongname', 'bea.old@example.org', {
      company: 'Old Co',
      website: 'https://old.example',
    });
    const res = await runCli(app, [
      'dsr',
      'correct',
      '--contact',
      bea.contactId,
      '--identity-verified',
      '--name',
      'Bea Rightname',
      '--email',
      'Bea.New@Example.org',
      '--company',
      '',
      '--website',
      'https://new.example',
      '--phone',
      '+44 20 7946 0000',
      '--json',
    ]);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout) as DsrView).toMatchObject({
      status: 'done',
      fields: ['company', 'email', 'name', 'phone', 'website'],
    });
    expect(await contactRow(bea.contactId)).toMatchObject({
      name: 'Bea Rightname',
      email: 'bea.new@example.org',
      company: null,
      website: 'https://new.example',
      phone: '+44 20 7946 0000',
    });
    // The old values are gone from the contact (the customer's own past messages keep what they wrote).
    const hits = await scanDatabase(app.dataSource, ['wrongname', 'bea.old@example.org', 'old co']);
    expect(hits.filter((h) => h.table === 'contacts' || h.table === 'data_subject_requests')).toEqual([]);
  });

  it('erase --identity-verified anonymises by default and deletes with --mode delete', async () => {
    const cy = await person('Cyprian Vanishwell', 'cyprian.vanishwell@example.org');
    const di = await person('Dido Deletewright', 'dido.deletewright@example.org');
    const [anonymised, deleted] = await Promise.all([
      runCli(app, ['dsr', 'erase', '--contact', 'cyprian.vanishwell@example.org', '--identity-verified']),
      runCli(app, ['dsr', 'erase', '--contact', di.contactId, '--identity-verified', '--mode', 'delete', '--json']),
    ]);
    expect(anonymised.code).toBe(0);
    expect(anonymised.stdout).toMatch(/^erasure request [0-9a-f-]{36}: done/m);
    expect((await contactRow(cy.contactId))?.anonymized_at).not.toBeNull();
    expect(await scanDatabase(app.dataSource, ['vanishwell', 'cyprian'])).toEqual([]);

    expect(deleted.code).toBe(0);
    expect(JSON.parse(deleted.stdout) as DsrView).toMatchObject({ status: 'done', receipt: { mode: 'delete' } });
    expect(await contactRow(di.contactId)).toBeUndefined();
    expect(await app.dataSource.query('SELECT id FROM tickets WHERE id = $1', [di.ticketId])).toEqual([]);
    expect(await scanDatabase(app.dataSource, ['deletewright', 'dido'])).toEqual([]);
  });

  it('without --identity-verified only records the request; list, verify, complete and reject carry it on', async () => {
    const ed = await person('Edmund Waitsforit', 'edmund.waitsforit@example.org');
    const fay = await person('Fay Notverified', 'fay.notverified@example.org');
    const gus = await person('Gus Laterexport', 'gus.laterexport@example.org');
    const [erase, reject, exportLater] = await Promise.all([
      runCli(app, ['dsr', 'erase', '--contact', ed.contactId]),
      runCli(app, ['dsr', 'export', '--contact', fay.contactId, '--json']),
      runCli(app, ['dsr', 'export', '--contact', gus.contactId, '--json']),
    ]);
    expect(erase.code).toBe(0);
    expect(erase.stdout).toMatch(/: received/);
    expect(erase.stdout).toContain('next: verify the requester');
    // Nothing was erased yet.
    expect(await contactRow(ed.contactId)).toMatchObject({ name: 'Edmund Waitsforit', anonymized_at: null });
    const eraseId = /request ([0-9a-f-]{36})/.exec(erase.stdout)?.[1] ?? '';
    const rejectId = (JSON.parse(reject.stdout) as DsrView).id;
    const exportId = (JSON.parse(exportLater.stdout) as DsrView).id;

    const received = await runCli(app, ['dsr', 'list', '--status', 'received', '--json']);
    expect((JSON.parse(received.stdout) as DsrView[]).map((r) => r.id)).toEqual(
      expect.arrayContaining([eraseId, rejectId, exportId]),
    );

    const out = join(dir, 'gus.tar.gz');
    const [verified, verifiedExport, rejected] = await Promise.all([
      runCli(app, ['dsr', 'verify', eraseId]),
      runCli(app, ['dsr', 'verify', exportId]),
      runCli(app, ['dsr', 'reject', rejectId]),
    ]);
    expect([verified.code, verifiedExport.code, rejected.code]).toEqual([0, 0, 0]);
    expect(verified.stdout).toMatch(/: verified/);
    expect(rejected.stdout).toMatch(/: rejected/);
    const [completed, exported] = await Promise.all([
      runCli(app, ['dsr', 'complete', eraseId, '--mode', 'delete', '--json']),
      runCli(app, ['dsr', 'complete', exportId, '--out', out]),
    ]);
    expect(JSON.parse(completed.stdout) as DsrView).toMatchObject({ status: 'done', receipt: { mode: 'delete' } });
    expect(await contactRow(ed.contactId)).toBeUndefined();
    expect(exported.stdout).toContain(`archive written to ${out}`);
    expect(unpack(out).contact.name).toBe('Gus Laterexport');
    // The rejected request changed nothing.
    expect(await contactRow(fay.contactId)).toMatchObject({ name: 'Fay Notverified', anonymized_at: null });
    expect(existsSync(join(dir, `intake-export-${rejectId}.tar.gz`))).toBe(false);

    const listed = await runCli(app, ['dsr', 'list', '--status', 'rejected']);
    expect(listed.stdout).toMatch(new RegExp(`^${rejectId}\\s+export\\s+rejected`, 'm'));
  });
});
