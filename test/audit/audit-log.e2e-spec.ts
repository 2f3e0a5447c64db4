import { AuditService, SECRET_MARKER } from '@app/audit';
import { createDataSource, runMigrations, UserRole } from '@app/database';
import { RetentionRunService } from '@app/privacy';
import { createTestDatabase } from '@app/testing';
import { api, staff, type StaffSession } from '../support/inbox-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

interface Row {
  id: string;
  actor_type: string;
  actor_id: string | null;
  action: string;
  target_type: string;
  target_id: string | null;
  ip: string | null;
  changes: Record<string, { before: unknown; after: unknown }> | null;
  details: Record<string, unknown> | null;
}

describe('audit log core', () => {
  let app: TestApp;
  let admin: StaffSession;

  beforeAll(async () => {
    app = await startTestApp();
    admin = await staff(app, UserRole.Admin, 'Audit Admin');
  });
  afterAll(async () => {
    await app.close();
  });

  const rows = (where = 'TRUE', params: unknown[] = []) =>
    app.dataSource.query<Row[]>(`SELECT * FROM audit_log WHERE ${where} ORDER BY id`, params);

  it('records a privileged API action once, with actor, target, request IP and before/after', async () => {
    const call = api(app, admin);
    expect((await call('PUT', '/api/privacy/retention/policy/login_events', { days: 200 })).status).toBe(200);
    expect((await call('PUT', '/api/privacy/retention/policy/login_events', { days: 120 })).status).toBe(200);
    const entries = await rows(`action = 'retention_policy.set'`);
    expect(entries).toHaveLength(2);
    expect(entries[1]).toMatchObject({
      actor_type: 'user',
      actor_id: admin.id,
      target_type: 'retention_policy',
      target_id: 'login_events',
      ip: '127.0.0.1',
      changes: { days: { before: 200, after: 120 } },
      details: { scope: 'global', mailboxId: null },
    });
  });

  it('strips secrets before writing, so none lands in the table', async () => {
    await app.app.get(AuditService).record({
      actor: { type: 'cli', id: null },
      action: 'mailbox.updated',
      target: { type: 'mailbox', id: 'm1' },
      changes: { password: { before: 'old-imap-pw-1', after: 'new-imap-pw-2' }, host: { before: 'a', after: 'b' } },
      details: { smtpUrl: 'smtps://desk:smtp-pw-3@mail.test:465', totpSecret: 'JBSWY3DPEHPK3PXP' },
    });
    const [entry] = await rows(`action = 'mailbox.updated'`);
    expect(entry?.changes).toEqual({
      password: { before: SECRET_MARKER, after: SECRET_MARKER },
      host: { before: 'a', after: 'b' },
    });
    expect(entry?.ip).toBeNull();
    const all = JSON.stringify(await rows());
    for (const secret of ['old-imap-pw-1', 'new-imap-pw-2', 'smtp-pw-3', 'JBSWY3DPEHPK3PXP'])
      expect(all).not.toContain(secret);
  });

  it('refuses UPDATE, DELETE and TRUNCATE outside the retention sweep', async () => {
    const [entry] = await rows();
    await expect(
      app.dataSource.query(`UPDATE audit_log SET action = 'x.y' WHERE id = $1`, [entry?.id]),
    ).rejects.toThrow(/append-only/);
    await expect(app.dataSource.query(`DELETE FROM audit_log WHERE id = $1`, [entry?.id])).rejects.toThrow(
      /append-only/,
    );
    await expect(app.dataSource.query(`TRUNCATE audit_log`)).rejects.toThrow(/append-only/);
    // Even with the sweep's setting, an UPDATE may touch the IP only.
    await expect(
      app.dataSource.transaction(async (m) => {
        await m.query(`SET LOCAL intake.audit_retention = 'on'`);
        await m.query(`UPDATE audit_log SET details = '{}' WHERE id = $1`, [entry?.id]);
      }),
    ).rejects.toThrow(/append-only/);
    expect((await rows('id = $1', [entry?.id]))[0]).toEqual(entry);
  });

  it('expires entries under their own retention class and truncates their IPs under the login-IP class', async () => {
    const insert = (daysAgo: number, ip: string) =>
      app.dataSource.query<Array<{ id: string }>>(
        `INSERT INTO audit_log (created_at, actor_type, action, target_type, ip)
         VALUES (now() - make_interval(days => $1), 'system', 'test.aged', 'test', $2) RETURNING id::text AS id`,
        [daysAgo, ip],
      );
    const [[old], [middle], [young]] = [
      await insert(400, '198.51.100.7'),
      await insert(40, '2001:db8:85a3:1:2:3:4:5'),
      await insert(2, '203.0.113.5'),
    ];
    const runs = app.app.get(RetentionRunService);
    const plan = await runs.dryRun();
    const planned = (key: string) =>
      plan.entries.find((e) => `${e.dataClass}.${e.action}.${e.target}` === key)?.ids ?? [];
    expect(planned('audit_log.delete.audit_entry')).toEqual([old?.id]);
    expect(planned('login_ip.truncate.audit_entry')).toEqual([middle?.id]);

    await runs.run({ actor: 'cli' });
    const aged = await rows(`action = 'test.aged'`);
    expect(aged.map((r) => [r.id, r.ip])).toEqual([
      [middle?.id, '2001:db8:85a3::'],
      [young?.id, '203.0.113.5'],
    ]);
    const [run] = await rows(`action = 'retention.run_completed'`);
    expect(run).toMatchObject({ actor_type: 'cli', target_type: 'retention_run' });
    expect(run?.details?.done).toMatchObject({ 'audit_log.delete.audit_entry': 1, 'login_ip.truncate.audit_entry': 1 });
  });
});

describe('audit log migration', () => {
  it('folds the privacy audit log into it, and down() puts the privacy rows back', async () => {
    const database = await createTestDatabase('auditmig');
    const ds = createDataSource(database.url, 2);
    await ds.initialize();
    try {
      await runMigrations(ds);
      // Back to just before the audit log (later migrations are undone first).
      const before = async () =>
        (await ds.query<unknown[]>(`SELECT 1 FROM information_schema.tables WHERE table_name = 'privacy_audit_log'`))
          .length > 0;
      while (!(await before())) await ds.undoLastMigration();
      await ds.query(
        `INSERT INTO privacy_audit_log (actor, action, subject_type, subject_id, details) VALUES
          ('user:6f1c2d3e-0000-4000-8000-000000000001', 'dsr_verified', 'data_subject_request', '6f1c2d3e-0000-4000-8000-000000000002', '{}'),
          ('cli', 'retention_policy_set', 'retention_policy', NULL, '{"dataClass":"login_ip","days":10,"action":"truncate","scope":"global"}'),
          ('scheduler', 'privacy_policy_published', 'privacy_policy', NULL, '{"version":"2"}')`,
      );
      await runMigrations(ds);
      const folded = await ds.query(
        `SELECT actor_type, actor_id, action, target_type, target_id, details FROM audit_log ORDER BY id`,
      );
      expect(folded).toEqual([
        {
          actor_type: 'user',
          actor_id: '6f1c2d3e-0000-4000-8000-000000000001',
          action: 'dsr.verified',
          target_type: 'data_subject_request',
          target_id: '6f1c2d3e-0000-4000-8000-000000000002',
          details: {},
        },
        {
          actor_type: 'cli',
          actor_id: null,
          action: 'retention_policy.set',
          target_type: 'retention_policy',
          target_id: 'login_ip',
          details: { days: 10, action: 'truncate', scope: 'global', mailboxId: null },
        },
        {
          actor_type: 'scheduler',
          actor_id: null,
          action: 'privacy_policy.published',
          target_type: 'privacy_policy',
          target_id: null,
          details: { version: '2' },
        },
      ]);
      while (!(await before())) await ds.undoLastMigration();
      const back = await ds.query<Array<{ actor: string; action: string; details: unknown }>>(
        `SELECT actor, action, details FROM privacy_audit_log ORDER BY id`,
      );
      expect(back.map((r) => [r.actor, r.action])).toEqual([
        ['user:6f1c2d3e-0000-4000-8000-000000000001', 'dsr_verified'],
        ['cli', 'retention_policy_set'],
        ['scheduler', 'privacy_policy_published'],
      ]);
      expect(back[1].details).toEqual({ dataClass: 'login_ip', days: 10, action: 'truncate', scope: 'global' });
    } finally {
      await ds.destroy();
      await database.drop();
    }
  });
});
