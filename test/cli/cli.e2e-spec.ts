import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis } from '@app/testing';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';

const BIN = join(__dirname, '..', '..', 'apps', 'cli', 'bin', 'intake.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The `intake` CLI as operators run it: a real child process against a real database. */
describe('intake CLI', () => {
  let database: TestDatabase;
  let redis: TestRedis;

  const run = (args: string[], env: Record<string, string> = {}): Promise<Run> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        [BIN, ...args],
        {
          env: {
            PATH: process.env.PATH,
            HOME: process.env.HOME,
            DATABASE_URL: database.url,
            REDIS_URL: redis.url,
            QUEUE_PREFIX: redis.prefix,
            APP_SECRET: 'cli-test-secret-cli-test-secret-0000',
            ...env,
          },
          timeout: 60_000,
        },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });

  beforeAll(async () => {
    database = await createTestDatabase('cli');
    redis = createTestRedis('cli');
  });
  afterAll(async () => {
    await redis.drop();
    await database.drop();
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
    const db = new Client({ connectionString: database.url });
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

  it('stops with one line naming a bad variable', async () => {
    const bad = await run(['ticket', 'list'], { DATABASE_URL: 'mysql://nope' });
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe(
      'intake: Invalid configuration: DATABASE_URL must be a URL starting with postgres:// or postgresql://',
    );
  });
});
