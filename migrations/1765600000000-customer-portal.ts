import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Customer portal (issue 13): customer accounts with their claimed addresses, their own sessions
 * (separate from staff sessions), the account mails that travel through the outbound queue
 * (verification and magic sign-in links), customer sign-ins in `login_events` (so the login
 * retention classes cover them), and the `portal` channel for requests written in the portal.
 */
export class CustomerPortal1765600000000 implements MigrationInterface {
  name = 'CustomerPortal1765600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "customer_accounts" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "password_hash" text NOT NULL,
        "contact_id" uuid,
        "pending_profile" jsonb,
        CONSTRAINT "PK_814e5a9128d2a2fffbddffc0a27" PRIMARY KEY ("id")
      )`);
    await q.query(`CREATE INDEX "ix_customer_accounts_contact" ON "customer_accounts" ("contact_id")`);
    await q.query(`CREATE TABLE "customer_account_emails" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "account_id" uuid NOT NULL,
        "email" text NOT NULL,
        "verified_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_6764b2771b2af30893ab313cc46" PRIMARY KEY ("id")
      )`);
    await q.query(
      `CREATE UNIQUE INDEX "ux_customer_emails_verified" ON "customer_account_emails" ("email") WHERE verified_at IS NOT NULL`,
    );
    await q.query(
      `CREATE UNIQUE INDEX "ux_customer_emails_account_email" ON "customer_account_emails" ("account_id", "email")`,
    );
    await q.query(`CREATE TABLE "customer_account_mails" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "account_id" uuid NOT NULL,
        "email_id" uuid NOT NULL,
        "kind" character varying(16) NOT NULL,
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "used_at" TIMESTAMP WITH TIME ZONE,
        "status" character varying(16) NOT NULL DEFAULT 'queued',
        "error" text,
        CONSTRAINT "PK_782a07042357a9a055aba197c90" PRIMARY KEY ("id")
      )`);
    await q.query(`CREATE INDEX "ix_customer_mails_email" ON "customer_account_mails" ("email_id")`);
    await q.query(
      `CREATE INDEX "ix_customer_mails_account_created" ON "customer_account_mails" ("account_id", "created_at")`,
    );
    await q.query(`CREATE TABLE "customer_sessions" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "account_id" uuid NOT NULL,
        "token_hash" character(64) NOT NULL,
        "csrf_token" text NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT "PK_c684ecbaa67a634723776229c4c" PRIMARY KEY ("id")
      )`);
    await q.query(`CREATE INDEX "ix_customer_sessions_account" ON "customer_sessions" ("account_id")`);
    await q.query(`CREATE INDEX "ix_customer_sessions_expires" ON "customer_sessions" ("expires_at")`);
    await q.query(`CREATE UNIQUE INDEX "ux_customer_sessions_token_hash" ON "customer_sessions" ("token_hash")`);
    await q.query(`ALTER TABLE "login_events" ADD "customer_account_id" uuid`);
    await q.query(
      `CREATE INDEX "ix_login_events_customer_created" ON "login_events" ("customer_account_id", "created_at")`,
    );
    // Not used in this transaction (PostgreSQL refuses a new enum value before the commit).
    await q.query(`ALTER TYPE "public"."channel" ADD VALUE 'portal'`);
    await q.query(
      `ALTER TABLE "customer_accounts" ADD CONSTRAINT "fk_customer_accounts_contact" FOREIGN KEY ("contact_id") REFERENCES "contacts"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "login_events" ADD CONSTRAINT "fk_login_events_customer_account" FOREIGN KEY ("customer_account_id") REFERENCES "customer_accounts"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "customer_account_emails" ADD CONSTRAINT "fk_customer_emails_account" FOREIGN KEY ("account_id") REFERENCES "customer_accounts"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "customer_account_mails" ADD CONSTRAINT "fk_customer_mails_account" FOREIGN KEY ("account_id") REFERENCES "customer_accounts"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "customer_account_mails" ADD CONSTRAINT "fk_customer_mails_email" FOREIGN KEY ("email_id") REFERENCES "customer_account_emails"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "customer_sessions" ADD CONSTRAINT "fk_customer_sessions_account" FOREIGN KEY ("account_id") REFERENCES "customer_accounts"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    // Portal sign-ins go with the accounts; portal tickets become web-form tickets again.
    await q.query(`DELETE FROM "login_events" WHERE "customer_account_id" IS NOT NULL`);
    await q.query(`ALTER TABLE "login_events" DROP CONSTRAINT "fk_login_events_customer_account"`);
    await q.query(`DROP INDEX "public"."ix_login_events_customer_created"`);
    await q.query(`ALTER TABLE "login_events" DROP COLUMN "customer_account_id"`);
    await q.query(`UPDATE "tickets" SET "channel" = 'form' WHERE "channel"::text = 'portal'`);
    await q.query(`CREATE TYPE "public"."channel_old" AS ENUM('email', 'form')`);
    await q.query(
      `ALTER TABLE "tickets" ALTER COLUMN "channel" TYPE "public"."channel_old" USING "channel"::"text"::"public"."channel_old"`,
    );
    await q.query(`DROP TYPE "public"."channel"`);
    await q.query(`ALTER TYPE "public"."channel_old" RENAME TO "channel"`);
    await q.query(`DROP TABLE "customer_sessions"`);
    await q.query(`DROP TABLE "customer_account_mails"`);
    await q.query(`DROP TABLE "customer_account_emails"`);
    await q.query(`DROP TABLE "customer_accounts"`);
  }
}
