import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { cliHarness, type CliHarness } from './run-cli';

// eslint-disable-next-line no-control-regex -- what must never reach a terminal
const TERMINAL_CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** The `intake` CLI as operators run it: a real child process against a real database. */
describe('intake CLI', () => {
  let cli: CliHarness;

  const run: CliHarness['run'] = (args, env) => cli.run(args, env);
  // Folders for the emails the tests write, removed with the suite.
  const folders: string[] = [];
  const folder = (prefix: string) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    folders.push(dir);
    return dir;
  };

  beforeAll(async () => {
    cli = await cliHarness('cli');
  });
  afterAll(async () => {
    await cli.drop();
    for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  });

  it('creates a user, refuses a duplicate and a weak password with one clear line', async () => {
    const created = await run([
      'user',
      'create',
      '--email',
      'Lead@Desk.test',
      '--role',
      'supervisor',
      '--password',
      'long-enough-pass',
      '--json',
    ]);
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ email: 'lead@desk.test', role: 'supervisor' });

    const again = await run(['user', 'create', '--email', 'lead@desk.test', '--password', 'long-enough-pass']);
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe('error: A user with that email exists');

    const weak = await run(['user', 'create', '--email', 'weak@desk.test', '--password', 'short']);
    expect(weak.code).toBe(1);
    expect(weak.stderr.trim()).toBe('error: password must be at least 12 characters');
    // The password never appears in output.
    expect(weak.stderr + weak.stdout).not.toContain('short');
  });

  it('lists and shows tickets, as text and as JSON', async () => {
    const db = new Client({ connectionString: cli.database.url });
    await db.connect();
    try {
      const contact = await db.query<{ id: string }>(
        "INSERT INTO contacts (email, name) VALUES ('c@example.org', 'Cora') RETURNING id",
      );
      const ticket = await db.query<{ number: string; id: string }>(
        "INSERT INTO tickets (subject, channel, contact_id, last_message_at) VALUES ('Broken widget', 'form', $1, now()) RETURNING number, id",
        [contact.rows[0].id],
      );
      await db.query(
        "INSERT INTO messages (ticket_id, direction, author_contact_id, body_text) VALUES ($1, 'in', $2, 'It broke.')",
        [ticket.rows[0].id, contact.rows[0].id],
      );
      const reference = `T-${ticket.rows[0].number}`;

      const list = await run(['ticket', 'list']);
      expect(list.code).toBe(0);
      expect(list.stdout).toMatch(new RegExp(`^${reference}\\s+new\\s+normal\\s+form\\s.*Broken widget$`, 'm'));

      const json = await run(['ticket', 'list', '--json', '--status', 'new']);
      expect((JSON.parse(json.stdout) as Array<{ reference: string }>).map((t) => t.reference)).toEqual([reference]);

      const show = await run(['ticket', 'show', reference, '--json']);
      const detail = JSON.parse(show.stdout) as { subject: string; messages: Array<{ bodyText: string }> };
      expect(detail.subject).toBe('Broken widget');
      expect(detail.messages.map((m) => m.bodyText)).toEqual(['It broke.']);

      const missing = await run(['ticket', 'show', 'T-1']);
      expect(missing.code).toBe(1);
      expect(missing.stderr.trim()).toBe('error: No such ticket');
    } finally {
      await db.end();
    }
  });

  it('never prints terminal controls or bidi overrides from mail to the operator', async () => {
    const hostile = 'Pay \u001b[31mnow\u001b]0;owned\u0007 \u009b2J\u0007 \u202etxt.exe';
    const db = new Client({ connectionString: cli.database.url });
    await db.connect();
    let reference: string;
    try {
      const contact = await db.query<{ id: string }>(
        'INSERT INTO contacts (email, name) VALUES ($1, $2) RETURNING id',
        ['esc@example.org', `Eve \u001b[2J`],
      );
      const ticket = await db.query<{ number: string; id: string }>(
        "INSERT INTO tickets (subject, channel, contact_id, last_message_at) VALUES ($1, 'email', $2, now()) RETURNING number, id",
        [hostile, contact.rows[0].id],
      );
      await db.query(
        "INSERT INTO messages (ticket_id, direction, author_contact_id, body_text) VALUES ($1, 'in', $2, $3)",
        [ticket.rows[0].id, contact.rows[0].id, `line one\n${hostile}\nline three`],
      );
      reference = `T-${ticket.rows[0].number}`;
    } finally {
      await db.end();
    }
    const dir = folder('intake-esc-');
    const eml = join(dir, 'hostile.eml');
    writeFileSync(
      eml,
      [
        'From: =?utf-8?q?Eve_=1B]0;owned=07?= <eve@example.org>',
        'To: support@desk.test',
        'Subject: =?utf-8?q?Hello_=1B[31mred=E2=80=AE?=',
        'Message-ID: <esc@example.org>',
        'Content-Type: text/plain; charset=utf-8',
        '',
        `Body \u001b[5mblink`,
        '',
      ].join('\r\n'),
    );
    const outputs = await Promise.all([
      run(['ticket', 'list']),
      run(['ticket', 'show', reference]),
      run(['mail', 'inspect', eml]),
    ]);
    for (const out of outputs) {
      expect(out.code).toBe(0);
      expect(out.stdout + out.stderr).not.toMatch(TERMINAL_CONTROLS);
    }
    const [list, show, inspect] = outputs;
    expect(list.stdout).toContain('Pay \\x1b[31mnow');
    expect(show.stdout).toContain('\\x1b]0;owned\\x07 \\x9b2J\\x07 \\u202etxt.exe');
    expect(show.stdout).toContain('line one\n');
    expect(inspect.stdout).toContain('Hello \\x1b[31mred\\u202e');
    // --json stays JSON: the characters are escaped by JSON itself and come back intact.
    const json = await run(['ticket', 'show', reference, '--json']);
    expect((JSON.parse(json.stdout) as { subject: string }).subject).toBe(hostile);
  });

  it('opens no database for help, commander errors and mail inspect; says so when one is needed and unreachable', async () => {
    const dir = folder('intake-offline-');
    const eml = join(dir, 'hello.eml');
    writeFileSync(
      eml,
      'From: erika@example.org\r\nSubject: offline\r\nMessage-ID: <offline@example.org>\r\n\r\nHi\r\n',
    );
    // Embedded mode (no DATABASE_URL): starting the embedded PostgreSQL would create this folder.
    const embeddedDir = join(dir, 'var', 'postgres');
    const embedded = {
      DATABASE_URL: undefined,
      REDIS_URL: undefined,
      EMBEDDED_PG_DIR: embeddedDir,
      EMBEDDED_PG_PORT: '1',
    };
    const [help, groupHelp, group, unknown, inspect] = await Promise.all([
      run(['--help'], embedded),
      run(['ticket', '--help'], embedded),
      run(['dsr'], embedded),
      run(['frobnicate'], embedded),
      run(['mail', 'inspect', eml, '--json'], embedded),
    ]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: intake /);
    expect(groupHelp.code).toBe(0);
    expect(groupHelp.stdout).toMatch(/list \[options\]/);
    expect(group.code).toBe(0);
    expect(group.stdout).toMatch(/^Usage: intake dsr/);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("error: unknown command 'frobnicate'");
    expect(inspect.code).toBe(0);
    const result = JSON.parse(inspect.stdout) as { thread: { reason: string } };
    expect(result.thread.reason).toBeTruthy();
    expect(existsSync(embeddedDir)).toBe(false);

    // A command that needs the database opens it; an unreachable one is one clear failure.
    const unreachable = await run(['ticket', 'list'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr.trim().split('\n')).toHaveLength(1);
    expect(unreachable.stderr).toMatch(/^intake: /);
    // With --database, inspect reads the desk's database: unreachable, it fails the same way.
    const withDb = await run(['mail', 'inspect', eml, '--json', '--database'], {
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none',
    });
    expect(withDb.code).toBe(1);
    expect(withDb.stdout).toBe('');
  });

  it("mail inspect --database knows every mailbox's address: mail from one is a loop, quarantined", async () => {
    const db = new Client({ connectionString: cli.database.url });
    await db.connect();
    await db.query(
      `INSERT INTO mailboxes (name, address, host, username, password_encrypted, enabled)
       VALUES ('inspect-own', 'billing@desk.example', '127.0.0.1', 'billing', 'x', false)`,
    );
    await db.end();
    const dir = folder('intake-own-');
    const eml = join(dir, 'own.eml');
    writeFileSync(eml, 'From: billing@desk.example\r\nSubject: ours\r\nMessage-ID: <own@desk.example>\r\n\r\nHi\r\n');
    const [offline, online] = await Promise.all([
      run(['mail', 'inspect', eml, '--json']),
      run(['mail', 'inspect', eml, '--json', '--database']),
    ]);
    // Without the database only MAIL_FROM is known to be ours.
    expect(JSON.parse(offline.stdout)).toMatchObject({ classification: 'normal', quarantineReason: null });
    expect(online.code).toBe(0);
    expect(JSON.parse(online.stdout)).toMatchObject({ classification: 'loop', quarantineReason: 'own_mail_loop' });
  });

  it('prints help cleanly, reports an unknown command once, and fails on an unknown subcommand', async () => {
    const [help, unknown, unknownSub, group] = await Promise.all([
      run(['--help']),
      run(['frobnicate']),
      run(['ticket', 'frobnicate']),
      run(['ticket']),
    ]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: intake /);
    expect(help.stderr).toBe('');

    expect(unknown.code).toBe(1);
    expect(unknown.stderr.match(/unknown command/g)).toHaveLength(1);
    expect(unknown.stderr).toContain("error: unknown command 'frobnicate'");

    expect(unknownSub.code).toBe(1);
    expect(unknownSub.stderr).toContain("error: unknown command 'ticket frobnicate'");
    expect(unknownSub.stdout).toBe('');

    // The group alone still shows its subcommands.
    expect(group.code).toBe(0);
    expect(group.stdout).toMatch(/list \[options\]/);
  });

  it('writes a large --json document to a pipe in full before exiting', async () => {
    const dir = folder('intake-big-');
    const line = 'All work and no play makes Jack a dull boy. '.repeat(2);
    const body = Array.from({ length: 4000 }, (_, i) => `${i} ${line}`).join('\r\n');
    const big = join(dir, 'big.eml');
    writeFileSync(big, `From: jack@example.org\r\nSubject: big\r\nMessage-ID: <big@example.org>\r\n\r\n${body}\r\n`);
    const res = await run(['mail', 'inspect', big, '--json']);
    expect(res.code).toBe(0);
    expect(res.stdout.length).toBeGreaterThan(4 * 65536);
    const parsed = JSON.parse(res.stdout) as { text: string };
    expect(parsed.text.trim().split('\n')).toHaveLength(4000);
  });

  it('inspects several files and directories in one run, one JSON line each', async () => {
    const dir = folder('intake-many-');
    const eml = (n: number) =>
      `From: sender${n}@example.org\r\nSubject: message ${n}\r\nMessage-ID: <m${n}@example.org>\r\n\r\nbody ${n}\r\n`;
    mkdirSync(join(dir, 'folder', 'cur'), { recursive: true });
    mkdirSync(join(dir, 'folder', '.hidden'));
    writeFileSync(join(dir, 'a.eml'), eml(1));
    writeFileSync(join(dir, 'folder', 'b.eml'), eml(2));
    writeFileSync(join(dir, 'folder', 'cur', '1700000000.M1.host:2,S'), eml(3));
    writeFileSync(join(dir, 'folder', '.hidden', 'skip.eml'), eml(9));
    const res = await run([
      'mail',
      'inspect',
      join(dir, 'a.eml'),
      join(dir, 'folder'),
      join(dir, 'missing.eml'),
      '--json',
    ]);
    const lines = res.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { file: string; subject?: string; error?: string });
    expect(lines.map((l) => [l.file.slice(dir.length + 1), l.subject ?? l.error])).toEqual([
      ['a.eml', 'message 1'],
      ['folder/b.eml', 'message 2'],
      ['folder/cur/1700000000.M1.host:2,S', 'message 3'],
      ['missing.eml', 'cannot_read'],
    ]);
    // The missing file makes the run fail, after the others were inspected.
    expect(res.code).toBe(1);
    const text = await run(['mail', 'inspect', join(dir, 'folder')]);
    expect(text.code).toBe(0);
    expect(text.stdout.match(/^=== /gm)).toHaveLength(2);
    expect(text.stdout).toContain('message 3');
  });

  it('stops with one line naming a bad variable', async () => {
    const bad = await run(['ticket', 'list'], { DATABASE_URL: 'mysql://nope' });
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe(
      'intake: Invalid configuration: DATABASE_URL must be a URL starting with postgres:// or postgresql://',
    );
  });
});
