import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Agent notifications (issue 14): one row per email to an agent (assigned, customer replied, SLA
 * about to breach), deduplicated per trigger. The scan reads history after a watermark that starts
 * at the newest event, so upgrading does not notify about the past.
 */
export class AgentNotifications1765830000000 implements MigrationInterface {
  name = 'AgentNotifications1765830000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "agent_notifications" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "user_id" uuid NOT NULL,
        "ticket_id" uuid NOT NULL,
        "kind" character varying(24) NOT NULL,
        "dedupe_key" text NOT NULL,
        "status" character varying(16) NOT NULL DEFAULT 'queued',
        "reason" text,
        "sent_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "pk_agent_notifications" PRIMARY KEY ("id")
      )`);
    await q.query(
      `CREATE INDEX "ix_agent_notifications_user_created" ON "agent_notifications" ("user_id", "created_at")`,
    );
    await q.query(`CREATE UNIQUE INDEX "ux_agent_notifications_dedupe" ON "agent_notifications" ("dedupe_key")`);
    await q.query(`ALTER TABLE "agent_notifications" ADD CONSTRAINT "fk_agent_notifications_user"
        FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "agent_notifications" ADD CONSTRAINT "fk_agent_notifications_ticket"
        FOREIGN KEY ("ticket_id") REFERENCES "tickets"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`INSERT INTO "stats_watermarks" ("name", "last_history_id")
        SELECT 'agent-notifications', COALESCE(max("id"), 0) FROM "history_events"
        ON CONFLICT ("name") DO NOTHING`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM "stats_watermarks" WHERE "name" = 'agent-notifications'`);
    await q.query(`DROP TABLE "agent_notifications"`);
  }
}
