import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * OAuth2 mailboxes (issue 14): a mailbox signs in to IMAP and SMTP with SASL XOAUTH2 using access
 * tokens from the provider's authorization-code flow (PKCE). The refresh and access tokens are
 * encrypted like passwords; `oauth_error` holds why the grant no longer works (`oauth_revoked`).
 * The SMTP host of an OAuth2 mailbox is its own (the provider's). Pending authorisations live in
 * `mailbox_oauth_states` for ten minutes, keyed by the hash of their `state`.
 */
export class MailboxOauth1765510000000 implements MigrationInterface {
  name = 'MailboxOauth1765510000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "mailboxes"
        ADD "auth_method" character varying(16) NOT NULL DEFAULT 'password',
        ADD "oauth_provider" text,
        ADD "oauth_refresh_token_encrypted" text,
        ADD "oauth_access_token_encrypted" text,
        ADD "oauth_access_expires_at" TIMESTAMP WITH TIME ZONE,
        ADD "oauth_error" text,
        ADD "smtp_host" text,
        ADD "smtp_port" integer,
        ADD "smtp_tls" boolean NOT NULL DEFAULT true`);
    await q.query(`CREATE TABLE "mailbox_oauth_states" (
        "state_hash" text NOT NULL,
        "mailbox_id" uuid NOT NULL,
        "provider" text NOT NULL,
        "code_verifier_encrypted" text NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "pk_mailbox_oauth_states" PRIMARY KEY ("state_hash"),
        CONSTRAINT "fk_mailbox_oauth_states_mailbox" FOREIGN KEY ("mailbox_id") REFERENCES "mailboxes"("id") ON DELETE CASCADE
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "mailbox_oauth_states"`);
    await q.query(`ALTER TABLE "mailboxes" DROP COLUMN "auth_method", DROP COLUMN "oauth_provider",
        DROP COLUMN "oauth_refresh_token_encrypted", DROP COLUMN "oauth_access_token_encrypted",
        DROP COLUMN "oauth_access_expires_at", DROP COLUMN "oauth_error", DROP COLUMN "smtp_host",
        DROP COLUMN "smtp_port", DROP COLUMN "smtp_tls"`);
  }
}
