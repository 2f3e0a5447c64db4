import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tickets opened by agents (issue 14): `phone` (a call written down, no email sent) and `outbound`
 * (the desk writes to the customer first; the first message goes out through the outbound queue).
 */
export class AgentTickets1765820000000 implements MigrationInterface {
  name = 'AgentTickets1765820000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TYPE "public"."channel" ADD VALUE 'phone'`);
    await q.query(`ALTER TYPE "public"."channel" ADD VALUE 'outbound'`);
  }

  async down(q: QueryRunner): Promise<void> {
    // PostgreSQL cannot drop enum values: agent-opened tickets become web-form tickets, the type is rebuilt.
    await q.query(`UPDATE "tickets" SET "channel" = 'form' WHERE "channel"::text IN ('phone', 'outbound')`);
    await q.query(`CREATE TYPE "public"."channel_old" AS ENUM('email', 'form', 'portal')`);
    await q.query(
      `ALTER TABLE "tickets" ALTER COLUMN "channel" TYPE "public"."channel_old" USING "channel"::"text"::"public"."channel_old"`,
    );
    await q.query(`DROP TYPE "public"."channel"`);
    await q.query(`ALTER TYPE "public"."channel_old" RENAME TO "channel"`);
  }
}
