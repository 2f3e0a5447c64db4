import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The first schema: people (contacts, users, groups), mailboxes, tickets and their messages and
 * attachments, the intake staging table, history, sessions, login events and consents.
 * Ids default to gen_random_uuid() (pgcrypto is built into PostgreSQL 13+).
 */
export class InitialSchema1764244800000 implements MigrationInterface {
  name = 'InitialSchema1764244800000';

  async up(q: QueryRunner): Promise<void> {
    // Ticket numbers start at 10001 so references look like T-10001 from day one.
    await q.query(`CREATE SEQUENCE "ticket_number_seq" START WITH 10001`);
    await q.query(`CREATE TABLE "attachment_contents" (
        "key" text NOT NULL,
        "data" bytea NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_4a5b0d4b854fd9b0a7944f3efb5" PRIMARY KEY ("key")
      )`);
    await q.query(`CREATE TABLE "contacts" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "email" text,
        "name" text,
        "company" text,
        "website" text,
        "phone" text,
        "anonymized_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_b99cd40cfd66a99f1571f4f72e6" PRIMARY KEY ("id")
      )`);
    await q.query(`CREATE UNIQUE INDEX "ux_contacts_email" ON "contacts" ("email")`);
    await q.query(`CREATE TABLE "groups" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "name" text NOT NULL,
        CONSTRAINT "PK_659d1483316afb28afd3a90646e" PRIMARY KEY ("id")
      )`);
    await q.query(`CREATE UNIQUE INDEX "ux_groups_name" ON "groups" ("name")`);
    await q.query(`CREATE TYPE "public"."mailbox_after_action" AS ENUM('move', 'expunge', 'flag_seen')`);
    await q.query(`CREATE TABLE "mailboxes" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "name" text NOT NULL,
        "address" text NOT NULL,
        "host" text NOT NULL,
        "port" integer NOT NULL DEFAULT '993',
        "tls" boolean NOT NULL DEFAULT true,
        "tls_reject_unauthorized" boolean NOT NULL DEFAULT true,
        "username" text NOT NULL,
        "password_encrypted" text NOT NULL,
        "folder" text NOT NULL DEFAULT 'INBOX',
        "after_action" "public"."mailbox_after_action" NOT NULL DEFAULT 'move',
        "processed_folder" text NOT NULL DEFAULT 'Processed',
        "quarantine_folder" text NOT NULL DEFAULT 'Quarantine',
        "enabled" boolean NOT NULL DEFAULT true,
        "group_id" uuid,
        CONSTRAINT "PK_1471bf7ef6d7f1279fbbdf89a1d" PRIMARY KEY ("id")
      )`);
    await q.query(`CREATE UNIQUE INDEX "ux_mailboxes_name" ON "mailboxes" ("name")`);
    await q.query(`CREATE TYPE "public"."user_role" AS ENUM('agent', 'supervisor', 'admin')`);
    await q.query(`CREATE TABLE "users" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "email" text NOT NULL,
        "name" text NOT NULL,
        "role" "public"."user_role" NOT NULL DEFAULT 'agent',
        "password_hash" text NOT NULL,
        "active" boolean NOT NULL DEFAULT true,
        CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id")
      )`);
    await q.query(`CREATE UNIQUE INDEX "ux_users_email" ON "users" ("email")`);
    await q.query(`CREATE TYPE "public"."ticket_status" AS ENUM('new', 'open', 'pending', 'solved', 'closed')`);
    await q.query(`CREATE TYPE "public"."ticket_priority" AS ENUM('low', 'normal', 'high', 'urgent')`);
    await q.query(`CREATE TYPE "public"."channel" AS ENUM('email', 'form')`);
    await q.query(`CREATE TABLE "tickets" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "number" bigint NOT NULL DEFAULT nextval('ticket_number_seq'),
        "subject" text NOT NULL,
        "status" "public"."ticket_status" NOT NULL DEFAULT 'new',
        "priority" "public"."ticket_priority" NOT NULL DEFAULT 'normal',
        "channel" "public"."channel" NOT NULL,
        "contact_id" uuid NOT NULL,
        "assignee_id" uuid,
        "group_id" uuid,
        "mailbox_id" uuid,
        "last_message_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "first_response_at" TIMESTAMP WITH TIME ZONE,
        "solved_at" TIMESTAMP WITH TIME ZONE,
        "closed_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_343bc942ae261cf7a1377f48fd0" PRIMARY KEY ("id")
      )`);
    await q.query(`CREATE INDEX "ix_tickets_assignee" ON "tickets" ("assignee_id")`);
    await q.query(`CREATE INDEX "ix_tickets_contact" ON "tickets" ("contact_id")`);
    await q.query(`CREATE INDEX "ix_tickets_status_updated" ON "tickets" ("status", "updated_at", "id")`);
    await q.query(`CREATE UNIQUE INDEX "ux_tickets_number" ON "tickets" ("number")`);
    await q.query(`CREATE INDEX "ix_tickets_updated" ON "tickets" ("updated_at", "id")`);
    await q.query(`CREATE TYPE "public"."message_direction" AS ENUM('in', 'out')`);
    await q.query(`CREATE TYPE "public"."delivery_status" AS ENUM('queued', 'sending', 'sent', 'failed')`);
    await q.query(`CREATE TABLE "messages" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "ticket_id" uuid NOT NULL,
        "direction" "public"."message_direction" NOT NULL,
        "internal" boolean NOT NULL DEFAULT false,
        "author_contact_id" uuid,
        "author_user_id" uuid,
        "body_text" text NOT NULL,
        "body_html" text,
        "message_id_header" text,
        "in_reply_to" text,
        "references" text array NOT NULL DEFAULT '{}',
        "content_sha256" character(64),
        "inbound_message_id" uuid,
        "delivery_status" "public"."delivery_status",
        "delivery_error" text,
        CONSTRAINT "PK_18325f38ae6de43878487eff986" PRIMARY KEY ("id")
      )`);
    await q.query(
      `CREATE UNIQUE INDEX "ux_messages_message_id_sha" ON "messages" ("message_id_header", "content_sha256") WHERE message_id_header IS NOT NULL AND direction = 'in'`,
    );
    await q.query(
      `CREATE UNIQUE INDEX "ux_messages_inbound" ON "messages" ("inbound_message_id") WHERE inbound_message_id IS NOT NULL`,
    );
    await q.query(`CREATE INDEX "ix_messages_message_id" ON "messages" ("message_id_header")`);
    await q.query(`CREATE INDEX "ix_messages_ticket_created" ON "messages" ("ticket_id", "created_at")`);
    await q.query(`CREATE TABLE "attachments" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "message_id" uuid NOT NULL,
        "filename" text NOT NULL,
        "content_type" text NOT NULL,
        "size" bigint NOT NULL,
        "sha256" character(64) NOT NULL,
        "content_id" text,
        "inline" boolean NOT NULL DEFAULT false,
        "storage_key" text,
        CONSTRAINT "PK_5e1f050bcff31e3084a1d662412" PRIMARY KEY ("id")
      )`);
    await q.query(`CREATE INDEX "ix_attachments_message" ON "attachments" ("message_id")`);
    await q.query(`CREATE TYPE "public"."consent_purpose" AS ENUM('promotional_email', 'market_research')`);
    await q.query(`CREATE TABLE "consents" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "contact_id" uuid NOT NULL,
        "purpose" "public"."consent_purpose" NOT NULL,
        "granted" boolean NOT NULL,
        "source" text NOT NULL,
        "policy_version" text NOT NULL,
        "ip_hash" text,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_9efc68eb6aba7d638fb6ea034dd" PRIMARY KEY ("id")
      )`);
    await q.query(
      `CREATE INDEX "ix_consents_contact_purpose_created" ON "consents" ("contact_id", "purpose", "created_at")`,
    );
    await q.query(`CREATE TYPE "public"."actor_type" AS ENUM('system', 'user', 'contact')`);
    await q.query(`CREATE TABLE "history_events" (
        "id" bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL,
        "ticket_id" uuid NOT NULL,
        "actor_type" "public"."actor_type" NOT NULL,
        "actor_id" uuid,
        "type" text NOT NULL,
        "field" text,
        "old_value" text,
        "new_value" text,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_37efb8ff48b1d3943482ecc57b6" PRIMARY KEY ("id")
      )`);
    await q.query(`CREATE INDEX "ix_history_ticket_created" ON "history_events" ("ticket_id", "created_at")`);
    await q.query(`CREATE TYPE "public"."inbound_kind" AS ENUM('email', 'form')`);
    await q.query(
      `CREATE TYPE "public"."inbound_status" AS ENUM('received', 'processing', 'processed', 'quarantined')`,
    );
    await q.query(`CREATE TABLE "inbound_messages" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "kind" "public"."inbound_kind" NOT NULL,
        "status" "public"."inbound_status" NOT NULL DEFAULT 'received',
        "raw" bytea,
        "size" integer NOT NULL DEFAULT '0',
        "sha256" character(64) NOT NULL,
        "reason" text,
        "attempts" integer NOT NULL DEFAULT '0',
        "mailbox_id" uuid,
        "uid_validity" bigint,
        "uid" bigint,
        "message_id_header" text,
        "reserved_ticket_number" bigint,
        "ticket_id" uuid,
        "message_row_id" uuid,
        "processed_at" TIMESTAMP WITH TIME ZONE,
        "settled_at" TIMESTAMP WITH TIME ZONE,
        "quarantined_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_4f21d40ad47ab9702cb1ee64590" PRIMARY KEY ("id")
      )`);
    await q.query(`CREATE INDEX "ix_inbound_sha256" ON "inbound_messages" ("sha256")`);
    await q.query(`CREATE INDEX "ix_inbound_status_created" ON "inbound_messages" ("status", "created_at")`);
    await q.query(
      `CREATE UNIQUE INDEX "ux_inbound_mailbox_uid" ON "inbound_messages" ("mailbox_id", "uid_validity", "uid") WHERE mailbox_id IS NOT NULL`,
    );
    await q.query(`CREATE TABLE "login_events" (
        "id" bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL,
        "user_id" uuid,
        "success" boolean NOT NULL,
        "ip" text,
        "ip_truncated" boolean NOT NULL DEFAULT false,
        "browser" text,
        "language" text,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_5cd6102474db62bc181590b9902" PRIMARY KEY ("id")
      )`);
    await q.query(`CREATE INDEX "ix_login_events_created" ON "login_events" ("created_at")`);
    await q.query(`CREATE INDEX "ix_login_events_user_created" ON "login_events" ("user_id", "created_at")`);
    await q.query(`CREATE TABLE "sessions" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "user_id" uuid NOT NULL,
        "token_hash" character(64) NOT NULL,
        "csrf_token" text NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT "PK_3238ef96f18b355b671619111bc" PRIMARY KEY ("id")
      )`);
    await q.query(`CREATE INDEX "ix_sessions_expires" ON "sessions" ("expires_at")`);
    await q.query(`CREATE UNIQUE INDEX "ux_sessions_token_hash" ON "sessions" ("token_hash")`);
    await q.query(
      `ALTER TABLE "mailboxes" ADD CONSTRAINT "fk_mailboxes_group" FOREIGN KEY ("group_id") REFERENCES "groups"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "tickets" ADD CONSTRAINT "fk_tickets_contact" FOREIGN KEY ("contact_id") REFERENCES "contacts"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "tickets" ADD CONSTRAINT "fk_tickets_assignee" FOREIGN KEY ("assignee_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "tickets" ADD CONSTRAINT "fk_tickets_group" FOREIGN KEY ("group_id") REFERENCES "groups"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "tickets" ADD CONSTRAINT "fk_tickets_mailbox" FOREIGN KEY ("mailbox_id") REFERENCES "mailboxes"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "messages" ADD CONSTRAINT "fk_messages_ticket" FOREIGN KEY ("ticket_id") REFERENCES "tickets"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "messages" ADD CONSTRAINT "fk_messages_author_contact" FOREIGN KEY ("author_contact_id") REFERENCES "contacts"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "messages" ADD CONSTRAINT "fk_messages_author_user" FOREIGN KEY ("author_user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "attachments" ADD CONSTRAINT "fk_attachments_message" FOREIGN KEY ("message_id") REFERENCES "messages"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "consents" ADD CONSTRAINT "fk_consents_contact" FOREIGN KEY ("contact_id") REFERENCES "contacts"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "inbound_messages" ADD CONSTRAINT "fk_inbound_mailbox" FOREIGN KEY ("mailbox_id") REFERENCES "mailboxes"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "sessions" ADD CONSTRAINT "fk_sessions_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "sessions"`);
    await q.query(`DROP TABLE "login_events"`);
    await q.query(`DROP TABLE "inbound_messages"`);
    await q.query(`DROP TABLE "history_events"`);
    await q.query(`DROP TABLE "consents"`);
    await q.query(`DROP TABLE "attachments"`);
    await q.query(`DROP TABLE "messages"`);
    await q.query(`DROP TABLE "tickets"`);
    await q.query(`DROP TABLE "users"`);
    await q.query(`DROP TABLE "mailboxes"`);
    await q.query(`DROP TABLE "groups"`);
    await q.query(`DROP TABLE "contacts"`);
    await q.query(`DROP TABLE "attachment_contents"`);
    await q.query(`DROP TYPE "public"."inbound_status"`);
    await q.query(`DROP TYPE "public"."inbound_kind"`);
    await q.query(`DROP TYPE "public"."actor_type"`);
    await q.query(`DROP TYPE "public"."consent_purpose"`);
    await q.query(`DROP TYPE "public"."delivery_status"`);
    await q.query(`DROP TYPE "public"."message_direction"`);
    await q.query(`DROP TYPE "public"."channel"`);
    await q.query(`DROP TYPE "public"."ticket_priority"`);
    await q.query(`DROP TYPE "public"."ticket_status"`);
    await q.query(`DROP TYPE "public"."user_role"`);
    await q.query(`DROP TYPE "public"."mailbox_after_action"`);
    await q.query(`DROP SEQUENCE "ticket_number_seq"`);
  }
}
