import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Supervisor reports (issue 11): SLA due/breach counters on ticket_stats_daily, per-agent and
 * per-organisation statistics tables (ids, counts and histograms only), and two partial indexes on
 * staff history for the activity view. The new counters fill from the next rollup onward; figures
 * rolled up before this migration are not re-attributed.
 */
export class SupervisorReports1765800000000 implements MigrationInterface {
  name = 'SupervisorReports1765800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "ticket_stats_agent_daily" (
        "day" date NOT NULL,
        "agent_id" uuid NOT NULL,
        "replies" integer NOT NULL DEFAULT '0',
        "solved" integer NOT NULL DEFAULT '0',
        "first_response_count" integer NOT NULL DEFAULT '0',
        "first_response_seconds" bigint NOT NULL DEFAULT '0',
        "first_response_buckets" integer array NOT NULL DEFAULT '{}',
        "resolution_count" integer NOT NULL DEFAULT '0',
        "resolution_seconds" bigint NOT NULL DEFAULT '0',
        "resolution_buckets" integer array NOT NULL DEFAULT '{}',
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_a97578f37b23cc2673b4e9f1471" PRIMARY KEY ("day", "agent_id")
      )`);
    await q.query(`CREATE TABLE "ticket_stats_org_daily" (
        "day" date NOT NULL,
        "organisation_id" uuid NOT NULL,
        "created" integer NOT NULL DEFAULT '0',
        "solved" integer NOT NULL DEFAULT '0',
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_09b5d773b8a84cec67524842f82" PRIMARY KEY ("day", "organisation_id")
      )`);
    for (const column of ['first_response_due', 'first_response_breached', 'resolution_due', 'resolution_breached'])
      await q.query(`ALTER TABLE "ticket_stats_daily" ADD "${column}" integer NOT NULL DEFAULT '0'`);
    await q.query(
      `CREATE INDEX "ix_history_staff_created" ON "history_events" ("created_at", "id") WHERE "actor_type" = 'user'`,
    );
    await q.query(
      `CREATE INDEX "ix_history_staff_actor_created" ON "history_events" ("actor_id", "created_at", "id") WHERE "actor_type" = 'user'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "ix_history_staff_actor_created"`);
    await q.query(`DROP INDEX "ix_history_staff_created"`);
    for (const column of ['resolution_breached', 'resolution_due', 'first_response_breached', 'first_response_due'])
      await q.query(`ALTER TABLE "ticket_stats_daily" DROP COLUMN "${column}"`);
    await q.query(`DROP TABLE "ticket_stats_org_daily"`);
    await q.query(`DROP TABLE "ticket_stats_agent_daily"`);
  }
}
