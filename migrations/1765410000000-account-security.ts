import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Account security and admin screens (issue 12): TOTP columns on users, one-time recovery codes,
 * one-time password links (invitations, resets), desk settings, and a keyed account hash on login
 * events so failures are counted per account *and* source IP (a lock that an attacker elsewhere
 * cannot trigger, and that answers the same for unknown addresses).
 */
export class AccountSecurity1765410000000 implements MigrationInterface {
  name = 'AccountSecurity1765410000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "users" ADD "totp_secret_encrypted" text`);
    await q.query(`ALTER TABLE "users" ADD "totp_enabled" boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE "users" ADD "totp_last_step" bigint`);
    await q.query(`ALTER TABLE "login_events" ADD "account_hash" character(64)`);
    await q.query(`CREATE INDEX "ix_login_events_account_ip" ON "login_events" ("account_hash", "ip", "created_at")`);
    await q.query(`CREATE TABLE "recovery_codes" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "user_id" uuid NOT NULL,
        "code_hash" character(64) NOT NULL,
        "used_at" TIMESTAMP WITH TIME ZONE,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "pk_recovery_codes" PRIMARY KEY ("id"),
        CONSTRAINT "fk_recovery_codes_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE
      )`);
    await q.query(`CREATE UNIQUE INDEX "ux_recovery_codes_user_hash" ON "recovery_codes" ("user_id", "code_hash")`);
    await q.query(`CREATE TABLE "user_tokens" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "user_id" uuid NOT NULL,
        "purpose" text NOT NULL,
        "token_hash" character(64) NOT NULL,
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "used_at" TIMESTAMP WITH TIME ZONE,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "pk_user_tokens" PRIMARY KEY ("id"),
        CONSTRAINT "fk_user_tokens_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE
      )`);
    await q.query(`CREATE UNIQUE INDEX "ux_user_tokens_token_hash" ON "user_tokens" ("token_hash")`);
    await q.query(`CREATE INDEX "ix_user_tokens_user" ON "user_tokens" ("user_id")`);
    await q.query(`CREATE TABLE "desk_settings" (
        "key" text NOT NULL,
        "value" jsonb NOT NULL,
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "pk_desk_settings" PRIMARY KEY ("key")
      )`);
    // Whether a role must use two-factor sign-in is read with the session: cached sessions must
    // hear a change like they hear a user change (intake_notify_auth, migration 1764900000000).
    await q.query(
      `CREATE TRIGGER desk_settings_notify_auth AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON desk_settings FOR EACH STATEMENT EXECUTE FUNCTION intake_notify_auth()`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER "desk_settings_notify_auth" ON "desk_settings"`);
    await q.query(`DROP TABLE "desk_settings"`);
    await q.query(`DROP TABLE "user_tokens"`);
    await q.query(`DROP TABLE "recovery_codes"`);
    await q.query(`DROP INDEX "ix_login_events_account_ip"`);
    await q.query(`ALTER TABLE "login_events" DROP COLUMN "account_hash"`);
    await q.query(`ALTER TABLE "users" DROP COLUMN "totp_last_step"`);
    await q.query(`ALTER TABLE "users" DROP COLUMN "totp_enabled"`);
    await q.query(`ALTER TABLE "users" DROP COLUMN "totp_secret_encrypted"`);
  }
}
