import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Answering like a real desk (issue 14): per-mailbox identity (From name, Reply-To, signature,
 * acknowledgement template, an own SMTP transport, the default mailbox for form tickets), CC/BCC,
 * explicit recipients (forward), the mailbox a message was sent from and when the SMTP server
 * accepted it; uploads waiting to be attached to a reply; drafts per user and ticket; agent
 * preferences (signature, notification switches).
 */
export class Answering1765500000000 implements MigrationInterface {
  name = 'Answering1765500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "mailboxes"
        ADD "from_name" text,
        ADD "reply_to" text,
        ADD "signature" text,
        ADD "ack_template" text,
        ADD "smtp_url_encrypted" text,
        ADD "default_outbound" boolean NOT NULL DEFAULT false`);
    await q.query(
      `CREATE UNIQUE INDEX "ux_mailboxes_default_outbound" ON "mailboxes" ("default_outbound") WHERE default_outbound`,
    );
    await q.query(`ALTER TABLE "messages"
        ADD "to_addresses" text array,
        ADD "cc" text array NOT NULL DEFAULT '{}',
        ADD "bcc" text array NOT NULL DEFAULT '{}',
        ADD "mailbox_id" uuid,
        ADD "forwarded_message_id" uuid,
        ADD "sent_at" TIMESTAMP WITH TIME ZONE`);
    await q.query(`ALTER TABLE "messages" ADD CONSTRAINT "fk_messages_mailbox" FOREIGN KEY ("mailbox_id")
        REFERENCES "mailboxes"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    await q.query(`CREATE TABLE "outbound_uploads" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "user_id" uuid NOT NULL,
        "filename" text NOT NULL,
        "content_type" text NOT NULL,
        "declared_content_type" text,
        "size" bigint NOT NULL,
        "sha256" character(64) NOT NULL,
        "storage_key" text NOT NULL,
        "never_inline" boolean NOT NULL DEFAULT false,
        CONSTRAINT "pk_outbound_uploads" PRIMARY KEY ("id"),
        CONSTRAINT "fk_outbound_uploads_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX "ix_outbound_uploads_user" ON "outbound_uploads" ("user_id", "created_at")`);
    await q.query(`CREATE TABLE "reply_drafts" (
        "user_id" uuid NOT NULL,
        "ticket_id" uuid NOT NULL,
        "content" jsonb NOT NULL,
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "pk_reply_drafts" PRIMARY KEY ("user_id", "ticket_id"),
        CONSTRAINT "fk_reply_drafts_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE,
        CONSTRAINT "fk_reply_drafts_ticket" FOREIGN KEY ("ticket_id") REFERENCES "tickets"("id") ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX "ix_reply_drafts_ticket" ON "reply_drafts" ("ticket_id")`);
    await q.query(`CREATE TABLE "agent_preferences" (
        "user_id" uuid NOT NULL,
        "signature" text,
        "notify_assigned" boolean NOT NULL DEFAULT true,
        "notify_customer_replied" boolean NOT NULL DEFAULT true,
        "notify_sla" boolean NOT NULL DEFAULT true,
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "pk_agent_preferences" PRIMARY KEY ("user_id"),
        CONSTRAINT "fk_agent_preferences_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "agent_preferences"`);
    await q.query(`DROP TABLE "reply_drafts"`);
    await q.query(`DROP TABLE "outbound_uploads"`);
    await q.query(`ALTER TABLE "messages" DROP CONSTRAINT "fk_messages_mailbox"`);
    await q.query(`ALTER TABLE "messages" DROP COLUMN "to_addresses", DROP COLUMN "cc", DROP COLUMN "bcc",
        DROP COLUMN "mailbox_id", DROP COLUMN "forwarded_message_id", DROP COLUMN "sent_at"`);
    await q.query(`DROP INDEX "ux_mailboxes_default_outbound"`);
    await q.query(`ALTER TABLE "mailboxes" DROP COLUMN "from_name", DROP COLUMN "reply_to", DROP COLUMN "signature",
        DROP COLUMN "ack_template", DROP COLUMN "smtp_url_encrypted", DROP COLUMN "default_outbound"`);
  }
}
