import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Privacy (issue 6): retention policies and the audit of retention runs, redaction markers,
 * non-personal ticket statistics and the rollup's bookkeeping, versions of the privacy policy
 * text, data-subject requests and the privacy audit log.
 */
export class Privacy1764700000000 implements MigrationInterface {
  name = 'Privacy1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "retention_policies" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "mailbox_id" uuid,
        "data_class" text NOT NULL,
        "days" integer NOT NULL,
        "action" text NOT NULL,
        "updated_by" text,
        CONSTRAINT "PK_c0f79bfde72a93e544c780a7470" PRIMARY KEY ("id")
      )`);
    await q.query(
      `CREATE UNIQUE INDEX "ux_retention_policies_global" ON "retention_policies" ("data_class") WHERE mailbox_id IS NULL`,
    );
    await q.query(
      `CREATE UNIQUE INDEX "ux_retention_policies_mailbox" ON "retention_policies" ("mailbox_id", "data_class") WHERE mailbox_id IS NOT NULL`,
    );
    await q.query(`CREATE TABLE "retention_runs" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "finished_at" TIMESTAMP WITH TIME ZONE,
        "status" text NOT NULL,
        "actor" text NOT NULL,
        "job_id" text,
        "policy" jsonb NOT NULL,
        "planned" jsonb NOT NULL,
        "done" jsonb NOT NULL,
        "skipped" jsonb NOT NULL DEFAULT '{}',
        CONSTRAINT "PK_80f0aec401112f8d4bad156a908" PRIMARY KEY ("id")
      )`);
    await q.query(`CREATE INDEX "ix_retention_runs_created" ON "retention_runs" ("created_at")`);
    await q.query(`CREATE INDEX "ix_retention_runs_job" ON "retention_runs" ("job_id")`);
    await q.query(`CREATE TABLE "ticket_redactions" (
        "ticket_id" uuid NOT NULL,
        "reason" text NOT NULL,
        "redacted_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_9d39f1f249828e7d58213e8671c" PRIMARY KEY ("ticket_id")
      )`);
    await q.query(`CREATE TABLE "ticket_stats_daily" (
        "day" date NOT NULL,
        "channel" text NOT NULL,
        "mailbox_id" uuid NOT NULL,
        "group_id" uuid NOT NULL,
        "created" integer NOT NULL DEFAULT '0',
        "solved" integer NOT NULL DEFAULT '0',
        "reopened" integer NOT NULL DEFAULT '0',
        "first_response_count" integer NOT NULL DEFAULT '0',
        "first_response_seconds" bigint NOT NULL DEFAULT '0',
        "first_response_buckets" integer array NOT NULL DEFAULT '{}',
        "resolution_count" integer NOT NULL DEFAULT '0',
        "resolution_seconds" bigint NOT NULL DEFAULT '0',
        "resolution_buckets" integer array NOT NULL DEFAULT '{}',
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_c72f8486b94309d66f8e09ac9eb" PRIMARY KEY ("day", "channel", "mailbox_id", "group_id")
      )`);
    await q.query(`CREATE TABLE "stats_watermarks" (
        "name" text NOT NULL,
        "last_history_id" bigint NOT NULL DEFAULT '0',
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_fcdb5c01139ad7c1cd7d60d5417" PRIMARY KEY ("name")
      )`);
    await q.query(`CREATE TABLE "stats_first_responses" (
        "ticket_id" uuid NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_b5f6fceddca6f57b1d540d0fa38" PRIMARY KEY ("ticket_id")
      )`);
    await q.query(`CREATE TABLE "privacy_policy_versions" (
        "version" text NOT NULL,
        "text" text NOT NULL,
        "published_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_fa708d14751b3168b082c624476" PRIMARY KEY ("version")
      )`);
    await q.query(`CREATE INDEX "ix_privacy_policy_versions_published" ON "privacy_policy_versions" ("published_at")`);
    // The version the web form has shown since the first release, so existing consents point at a text.
    await q.query(
      `INSERT INTO "privacy_policy_versions" ("version", "text", "published_at") VALUES ($1, $2, '2026-11-01T00:00:00Z')`,
      ['2026-11', INITIAL_POLICY_TEXT],
    );
    await q.query(`CREATE TABLE "data_subject_requests" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "type" text NOT NULL,
        "status" text NOT NULL,
        "contact_id" uuid,
        "due_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "received_by" text NOT NULL,
        "verified_at" TIMESTAMP WITH TIME ZONE,
        "verified_by" text,
        "completed_at" TIMESTAMP WITH TIME ZONE,
        "requested_changes" jsonb,
        "receipt" jsonb,
        CONSTRAINT "PK_7bd74287e894f1a89709e8fc120" PRIMARY KEY ("id")
      )`);
    await q.query(`CREATE INDEX "ix_dsr_contact" ON "data_subject_requests" ("contact_id")`);
    await q.query(`CREATE INDEX "ix_dsr_status_due" ON "data_subject_requests" ("status", "due_at")`);
    await q.query(`CREATE TABLE "privacy_audit_log" (
        "id" bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "actor" text NOT NULL,
        "action" text NOT NULL,
        "subject_type" text NOT NULL,
        "subject_id" uuid,
        "details" jsonb NOT NULL DEFAULT '{}',
        CONSTRAINT "PK_a89a03ba082e7a313d30bd50923" PRIMARY KEY ("id")
      )`);
    await q.query(`CREATE INDEX "ix_privacy_audit_created" ON "privacy_audit_log" ("created_at")`);
    await q.query(`CREATE INDEX "ix_privacy_audit_subject" ON "privacy_audit_log" ("subject_type", "subject_id")`);

    await q.query(
      `ALTER TABLE "retention_policies" ADD CONSTRAINT "fk_retention_policies_mailbox" FOREIGN KEY ("mailbox_id") REFERENCES "mailboxes"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "ticket_redactions" ADD CONSTRAINT "fk_ticket_redactions_ticket" FOREIGN KEY ("ticket_id") REFERENCES "tickets"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "stats_first_responses" ADD CONSTRAINT "fk_stats_first_responses_ticket" FOREIGN KEY ("ticket_id") REFERENCES "tickets"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "data_subject_requests" ADD CONSTRAINT "fk_dsr_contact" FOREIGN KEY ("contact_id") REFERENCES "contacts"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "data_subject_requests" DROP CONSTRAINT "fk_dsr_contact"`);
    await q.query(`ALTER TABLE "stats_first_responses" DROP CONSTRAINT "fk_stats_first_responses_ticket"`);
    await q.query(`ALTER TABLE "ticket_redactions" DROP CONSTRAINT "fk_ticket_redactions_ticket"`);
    await q.query(`ALTER TABLE "retention_policies" DROP CONSTRAINT "fk_retention_policies_mailbox"`);
    await q.query(`DROP TABLE "privacy_audit_log"`);
    await q.query(`DROP TABLE "data_subject_requests"`);
    await q.query(`DROP TABLE "privacy_policy_versions"`);
    await q.query(`DROP TABLE "stats_first_responses"`);
    await q.query(`DROP TABLE "stats_watermarks"`);
    await q.query(`DROP TABLE "ticket_stats_daily"`);
    await q.query(`DROP TABLE "ticket_redactions"`);
    await q.query(`DROP TABLE "retention_runs"`);
    await q.query(`DROP TABLE "retention_policies"`);
  }
}

const INITIAL_POLICY_TEXT = `We keep emails and support requests to process them, and no longer.
When you sign in as a member of staff we record your IP address, browser type, language and the date.
We share only aggregated statistics that identify no one.
We send promotional email and invite you to market research only with your permission, which you can withdraw at any time.
We correct incorrect personal data promptly when you ask.
We never sell your data.`;
