import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Intake throughput (issue 3): a partial index over the staging rows whose server copy is not yet
 * settled, so the batched settle and the settle sweep read only those — not every settled row a
 * long-lived mailbox has accumulated.
 */
export class IntakeThroughput1764800000000 implements MigrationInterface {
  name = 'IntakeThroughput1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX "ix_inbound_unsettled" ON "inbound_messages" ("mailbox_id", "uid_validity", "uid") WHERE settled_at IS NULL AND mailbox_id IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "public"."ix_inbound_unsettled"`);
  }
}
