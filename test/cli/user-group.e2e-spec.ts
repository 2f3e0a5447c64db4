import { Client } from 'pg';
import { cliHarness, type CliHarness } from './run-cli';

/** `intake user …` and `intake group …` (issue 12): the Users and Groups screens for operators. */
describe('intake user and group commands', () => {
  let cli: CliHarness;
  let pg: Client;

  const audit = async (action: string) =>
    (
      await pg.query<{ actor_type: string; target_id: string; changes: Record<string, unknown> | null }>(
        `SELECT actor_type, target_id, changes FROM audit_log WHERE action = $1 ORDER BY id`,
        [action],
      )
    ).rows;

  beforeAll(async () => {
    cli = await cliHarness('cliusers');
    pg = new Client({ connectionString: cli.database.url });
    await pg.connect();
    for (const [email, role] of [
      ['boss@desk.test', 'admin'],
      ['ana@desk.test', 'agent'],
    ])
      expect(
        (await cli.run(['user', 'create', '--email', email, '--role', role, '--password', 'long-enough-pass'])).code,
      ).toBe(0);
  });
  afterAll(async () => {
    await pg.end();
    await cli.drop();
  });

  it('lists users as a table and as JSON', async () => {
    const text = await cli.run(['user', 'list']);
    expect(text).toMatchObject({ code: 0, stderr: '' });
    const lines = text.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^email\s+name\s+role\s+status\s+2fa\s+last sign-in\s+sessions$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 4))).toEqual([
      ['ana@desk.test', 'ana', 'agent', 'active'],
      ['boss@desk.test', 'boss', 'admin', 'active'],
    ]);
    const json = await cli.run(['user', 'list', '--json']);
    expect(JSON.parse(json.stdout)).toEqual([
      expect.objectContaining({ email: 'ana@desk.test', role: 'agent', active: true, lastSignInAt: null }),
      expect.objectContaining({ email: 'boss@desk.test', role: 'admin', active: true }),
    ]);
  });

  it('disables (ending sessions) and enables a user, each audited as the CLI', async () => {
    const { rows } = await pg.query<{ id: string }>(`SELECT id FROM users WHERE email = 'ana@desk.test'`);
    const ana = rows[0].id;
    await pg.query(
      `INSERT INTO sessions (user_id, token_hash, csrf_token, expires_at) VALUES ($1, repeat('a', 64), 'x', now() + interval '1 day')`,
      [ana],
    );
    const disabled = await cli.run(['user', 'disable', 'ANA@desk.test']);
    expect(disabled).toEqual({ code: 0, stdout: 'disabled ana@desk.test; 1 session(s) ended\n', stderr: '' });
    expect((await pg.query(`SELECT 1 FROM sessions WHERE user_id = $1`, [ana])).rowCount).toBe(0);
    expect(await audit('user.disabled')).toEqual([
      { actor_type: 'cli', target_id: ana, changes: { active: { before: true, after: false } } },
    ]);

    expect((await cli.run(['user', 'enable', ana])).stdout).toBe('enabled ana@desk.test\n');
    expect(await audit('user.enabled')).toHaveLength(1);
    expect((await pg.query(`SELECT active FROM users WHERE id = $1`, [ana])).rows[0]).toEqual({ active: true });
  });

  it('changes a role, refuses an unknown role, an unknown user and demoting the last admin', async () => {
    expect((await cli.run(['user', 'role', 'ana@desk.test', 'supervisor'])).stdout).toBe(
      'ana@desk.test is now supervisor\n',
    );
    expect(await audit('user.role_changed')).toEqual([
      expect.objectContaining({ actor_type: 'cli', changes: { role: { before: 'agent', after: 'supervisor' } } }),
    ]);
    expect(await cli.run(['user', 'role', 'ana@desk.test', 'boss'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: role must be agent, supervisor or admin\n',
    });
    expect(await cli.run(['user', 'disable', 'nobody@desk.test'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: No such user\n',
    });
    const last = await cli.run(['user', 'role', 'boss@desk.test', 'agent']);
    expect(last.code).toBe(1);
    expect(last.stderr).toBe('error: This is the last active admin; make someone else admin first\n');
    expect(await audit('user.role_changed')).toHaveLength(1);
  });

  it('issues a one-time reset link on the public URL and revokes sessions', async () => {
    const reset = await cli.run(['user', 'reset-password', 'ana@desk.test', '--json'], {
      PUBLIC_URL: 'https://help.example.org',
    });
    expect(reset.stderr).toBe('');
    const link = JSON.parse(reset.stdout) as { url: string; expiresAt: string };
    expect(link.url).toMatch(/^https:\/\/help\.example\.org\/set-password#[A-Za-z0-9_-]{20,}$/);
    expect(new Date(link.expiresAt).getTime() - Date.now()).toBeGreaterThan(23 * 3600_000);
    expect(await audit('user.password_reset_issued')).toHaveLength(1);
    // The token never reaches the audit log.
    const token = link.url.split('#')[1];
    expect(
      (await pg.query(`SELECT 1 FROM audit_log WHERE row_to_json(audit_log)::text LIKE $1`, [`%${token}%`])).rowCount,
    ).toBe(0);

    expect(await cli.run(['user', 'revoke-sessions', 'ana@desk.test'])).toEqual({
      code: 0,
      stdout: '0 session(s) ended\n',
      stderr: '',
    });
    expect(await audit('user.sessions_revoked')).toHaveLength(1);
  });

  it('creates and lists groups, adds and removes members, refuses duplicates', async () => {
    const created = await cli.run(['group', 'create', 'Billing', '--json']);
    expect(created.stderr).toBe('');
    const group = JSON.parse(created.stdout) as { id: string; name: string };
    expect(group).toMatchObject({ name: 'Billing', members: [], tickets: 0, mailboxes: 0 });
    expect(await cli.run(['group', 'create', 'billing'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: A group with this name exists\n',
    });
    expect((await cli.run(['group', 'create', 'Sales'])).stdout).toMatch(/^created group Sales \([0-9a-f-]{36}\)\n$/);

    expect(await cli.run(['group', 'add-member', 'Billing', 'ana@desk.test'])).toEqual({
      code: 0,
      stdout: 'Billing: ana\n',
      stderr: '',
    });
    expect((await cli.run(['group', 'add-member', group.id, 'boss@desk.test'])).stdout).toBe('Billing: ana, boss\n');
    const listed = await cli.run(['group', 'list']);
    expect(
      listed.stdout
        .split('\n')
        .slice(0, 3)
        .map((l) => l.split(/\s{2,}/).slice(0, 4)),
    ).toEqual([
      ['name', 'members', 'tickets', 'mailboxes'],
      ['Billing', 'ana, boss', '0', '0'],
      ['Sales', '(none)', '0', '0'],
    ]);
    expect((await cli.run(['group', 'remove-member', 'Billing', 'ana@desk.test'])).stdout).toBe('Billing: boss\n');
    const json = JSON.parse((await cli.run(['group', 'list', '--json'])).stdout) as Array<{
      name: string;
      members: unknown[];
    }>;
    expect(json.map((g) => [g.name, g.members.length])).toEqual([
      ['Billing', 1],
      ['Sales', 0],
    ]);
    expect(await cli.run(['group', 'add-member', 'Nope', 'ana@desk.test'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: No such group\n',
    });
    const entries = await pg.query<{ action: string; actor_type: string }>(
      `SELECT action, actor_type FROM audit_log WHERE target_type = 'group' ORDER BY id`,
    );
    expect(entries.rows).toEqual([
      { action: 'group.created', actor_type: 'cli' },
      { action: 'group.created', actor_type: 'cli' },
      { action: expect.stringMatching(/^group\.members/), actor_type: 'cli' },
      { action: expect.stringMatching(/^group\.members/), actor_type: 'cli' },
      { action: expect.stringMatching(/^group\.members/), actor_type: 'cli' },
    ]);
  });
});
