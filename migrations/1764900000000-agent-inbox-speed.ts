import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Agent inbox speed (issue 5, benchmark targets):
 * - `intake_auth` NOTIFY after any change to sessions or users, so every api replica can drop its
 *   in-memory session cache at once (libs/auth SessionCache). Statement triggers: one notification
 *   per statement, sent on commit.
 * - Indexes for the capped per-view counts: (assignee, status, group) serves "mine", "unassigned"
 *   and an agent's "assigned to me" part; (group, status, assignee) serves the "no group" and "my
 *   groups" parts. Each count is an index-only scan that stops at the cap.
 */
export class AgentInboxSpeed1764900000000 implements MigrationInterface {
  name = 'AgentInboxSpeed1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE FUNCTION intake_notify_auth() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('intake_auth', TG_TABLE_NAME);
        RETURN NULL;
      END $$`);
    await q.query(
      `CREATE TRIGGER sessions_notify_auth AFTER UPDATE OR DELETE OR TRUNCATE ON sessions FOR EACH STATEMENT EXECUTE FUNCTION intake_notify_auth()`,
    );
    await q.query(
      `CREATE TRIGGER users_notify_auth AFTER UPDATE OR DELETE OR TRUNCATE ON users FOR EACH STATEMENT EXECUTE FUNCTION intake_notify_auth()`,
    );
    await q.query(`CREATE INDEX "ix_tickets_assignee_status" ON "tickets" ("assignee_id", "status", "group_id")`);
    await q.query(`CREATE INDEX "ix_tickets_group_status" ON "tickets" ("group_id", "status", "assignee_id")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "ix_tickets_group_status"`);
    await q.query(`DROP INDEX "ix_tickets_assignee_status"`);
    await q.query(`DROP TRIGGER "users_notify_auth" ON "users"`);
    await q.query(`DROP TRIGGER "sessions_notify_auth" ON "sessions"`);
    await q.query(`DROP FUNCTION intake_notify_auth()`);
  }
}
