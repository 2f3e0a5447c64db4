import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Registration's contact information (issue 13): a postal address beside the phone number. */
export class ContactPostalAddress1765830000001 implements MigrationInterface {
  name = 'ContactPostalAddress1765830000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "contacts" ADD "postal_address" text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "contacts" DROP COLUMN "postal_address"`);
  }
}
