import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * IMAP intake: per-mailbox poller state (UID cursor per UIDVALIDITY, the PostgreSQL lease used
 * when no Redis is configured, and the status that /health reports).
 */
export class ImapIntake1764400000000 implements MigrationInterface {
  name = 'ImapIntake1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "mailbox_states" (
        "mailbox_id" uuid NOT NULL,
        "uid_validity" bigint,
        "last_uid" bigint NOT NULL DEFAULT '0',
        "lease_owner" text,
        "lease_expires_at" TIMESTAMP WITH TIME ZONE,
        "connected" boolean NOT NULL DEFAULT false,
        "last_fetch_at" TIMESTAMP WITH TIME ZONE,
        "backlog" integer NOT NULL DEFAULT '0',
        "last_error" text,
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_3f808c5383aaab0cd543a40f629" PRIMARY KEY ("mailbox_id")
      )`);
    await q.query(
      `ALTER TABLE "mailbox_states" ADD CONSTRAINT "fk_mailbox_states_mailbox" FOREIGN KEY ("mailbox_id") REFERENCES "mailboxes"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "mailbox_states" DROP CONSTRAINT "fk_mailbox_states_mailbox"`);
    await q.query(`DROP TABLE "mailbox_states"`);
  }
}
