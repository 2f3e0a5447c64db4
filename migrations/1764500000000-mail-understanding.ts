import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Understanding mail (issue 4): the visible/quoted split of inbound text, the classification and
 * blocked-image count of each message, acknowledgements marked for the per-recipient rate limit,
 * safe-serving flags on attachments, and the link from a follow-up ticket to its closed predecessor.
 */
export class MailUnderstanding1764500000000 implements MigrationInterface {
  name = 'MailUnderstanding1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "tickets" ADD "linked_ticket_id" uuid`);
    await q.query(
      `ALTER TABLE "tickets" ADD CONSTRAINT "fk_tickets_linked_ticket" FOREIGN KEY ("linked_ticket_id") REFERENCES "tickets"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await q.query(`CREATE INDEX "ix_tickets_linked_ticket" ON "tickets" ("linked_ticket_id")`);

    await q.query(`ALTER TABLE "messages" ADD "body_text_visible" text`);
    await q.query(`ALTER TABLE "messages" ADD "body_text_quoted" text`);
    await q.query(`ALTER TABLE "messages" ADD "classification" character varying(16)`);
    await q.query(`ALTER TABLE "messages" ADD "remote_images_blocked" integer NOT NULL DEFAULT '0'`);
    await q.query(`ALTER TABLE "messages" ADD "auto_submitted" boolean NOT NULL DEFAULT false`);
    await q.query(`CREATE INDEX "ix_messages_auto_submitted" ON "messages" ("created_at") WHERE auto_submitted`);

    await q.query(`ALTER TABLE "attachments" ADD "never_inline" boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE "attachments" ADD "declared_content_type" text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "attachments" DROP COLUMN "declared_content_type"`);
    await q.query(`ALTER TABLE "attachments" DROP COLUMN "never_inline"`);
    await q.query(`DROP INDEX "ix_messages_auto_submitted"`);
    await q.query(`ALTER TABLE "messages" DROP COLUMN "auto_submitted"`);
    await q.query(`ALTER TABLE "messages" DROP COLUMN "remote_images_blocked"`);
    await q.query(`ALTER TABLE "messages" DROP COLUMN "classification"`);
    await q.query(`ALTER TABLE "messages" DROP COLUMN "body_text_quoted"`);
    await q.query(`ALTER TABLE "messages" DROP COLUMN "body_text_visible"`);
    await q.query(`DROP INDEX "ix_tickets_linked_ticket"`);
    await q.query(`ALTER TABLE "tickets" DROP CONSTRAINT "fk_tickets_linked_ticket"`);
    await q.query(`ALTER TABLE "tickets" DROP COLUMN "linked_ticket_id"`);
  }
}
