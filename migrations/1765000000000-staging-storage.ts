import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Intake throughput (issue 3): staged raw bytes are stored without TOAST compression. They live
 * only until their ticket is committed (then the column is set to NULL), so compressing them was
 * CPU spent in PostgreSQL on every message for nothing; MIME's base64 bodies compress poorly anyway.
 */
export class StagingStorage1765000000000 implements MigrationInterface {
  name = 'StagingStorage1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "inbound_messages" ALTER COLUMN "raw" SET STORAGE EXTERNAL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "inbound_messages" ALTER COLUMN "raw" SET STORAGE EXTENDED`);
  }
}
