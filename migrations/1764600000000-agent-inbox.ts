import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Agent inbox (issue 5): tags, merge, SLA policies and due dates, canned replies, group
 * membership, full-text search and live-update notifications.
 *
 * Several rules live in the database on purpose, because tickets and messages are written by more
 * than one process (intake worker, api, imports) and none of them should have to remember them:
 * - `tickets_sla_due` fills the SLA due dates from `sla_policies` on insert and priority change;
 * - `ticket_search` holds one tsvector per ticket (subject + message text), kept current by
 *   triggers, searched through a GIN index; it is not a TypeORM entity (raw SQL only);
 * - `messages_follow_merge` files a new message of a merged ticket under the ticket it was merged
 *   into, so a customer's later reply lands where agents now work;
 * - `intake_events` NOTIFY (ids only, never content) feeds the api's server-sent events.
 */
export class AgentInbox1764600000000 implements MigrationInterface {
  name = 'AgentInbox1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "canned_replies" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "title" text NOT NULL,
        "body" text NOT NULL,
        "created_by_id" uuid,
        CONSTRAINT "PK_dd80b4af0ce27d517e404fbc7d6" PRIMARY KEY ("id")
      )`);
    await q.query(`CREATE UNIQUE INDEX "ux_canned_replies_title" ON "canned_replies" ("title")`);
    await q.query(`CREATE TABLE "group_members" (
        "user_id" uuid NOT NULL,
        "group_id" uuid NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "pk_group_members" PRIMARY KEY ("user_id", "group_id")
      )`);
    await q.query(`CREATE INDEX "ix_group_members_group" ON "group_members" ("group_id")`);
    await q.query(`CREATE TABLE "sla_policies" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "priority" "public"."ticket_priority" NOT NULL,
        "first_response_minutes" integer NOT NULL,
        "resolution_minutes" integer NOT NULL,
        "business_hours" boolean NOT NULL DEFAULT false,
        "timezone" text NOT NULL DEFAULT 'UTC',
        "day_start_minute" integer NOT NULL DEFAULT '540',
        "day_end_minute" integer NOT NULL DEFAULT '1020',
        "work_days" integer array NOT NULL DEFAULT '{1,2,3,4,5}',
        CONSTRAINT "PK_41b6803cef982534243a67b6302" PRIMARY KEY ("id")
      )`);
    await q.query(`CREATE UNIQUE INDEX "ux_sla_policies_priority" ON "sla_policies" ("priority")`);
    // Sensible defaults so due dates appear from the first ticket; admins change them in the API.
    await q.query(`INSERT INTO "sla_policies" ("priority", "first_response_minutes", "resolution_minutes") VALUES
        ('urgent', 60, 240), ('high', 240, 1440), ('normal', 480, 2880), ('low', 1440, 5760)`);

    await q.query(`ALTER TABLE "tickets" ADD "tags" text array NOT NULL DEFAULT '{}'`);
    await q.query(`ALTER TABLE "tickets" ADD "merged_into_id" uuid`);
    await q.query(`ALTER TABLE "tickets" ADD "first_response_due_at" TIMESTAMP WITH TIME ZONE`);
    await q.query(`ALTER TABLE "tickets" ADD "resolution_due_at" TIMESTAMP WITH TIME ZONE`);
    await q.query(`ALTER TABLE "tickets" ADD "next_due_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT 'infinity'`);
    await q.query(`CREATE INDEX "ix_tickets_created" ON "tickets" ("created_at", "id")`);
    await q.query(`CREATE INDEX "ix_tickets_next_due" ON "tickets" ("next_due_at", "id")`);
    await q.query(`CREATE INDEX "ix_tickets_assignee_updated" ON "tickets" ("assignee_id", "updated_at", "id")`);
    await q.query(`CREATE INDEX "ix_tickets_tags" ON "tickets" USING gin ("tags")`);
    // The busiest views (all open, unassigned) walk this small index newest first.
    await q.query(
      `CREATE INDEX "ix_tickets_open_updated" ON "tickets" ("updated_at", "id") WHERE status IN ('new', 'open')`,
    );
    await q.query(
      `ALTER TABLE "tickets" ADD CONSTRAINT "fk_tickets_merged_into" FOREIGN KEY ("merged_into_id") REFERENCES "tickets"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "canned_replies" ADD CONSTRAINT "fk_canned_replies_created_by" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "group_members" ADD CONSTRAINT "fk_group_members_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "group_members" ADD CONSTRAINT "fk_group_members_group" FOREIGN KEY ("group_id") REFERENCES "groups"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );

    // --- SLA due dates ---
    // Adds `minutes` to `start_at`, counting only working minutes when the policy has business hours.
    await q.query(`CREATE FUNCTION intake_sla_add(start_at timestamptz, minutes integer, p sla_policies)
      RETURNS timestamptz LANGUAGE plpgsql STABLE AS $$
      DECLARE
        remaining integer := minutes;
        local_ts timestamp;
        day_start timestamp;
        day_end timestamp;
        avail integer;
        guard integer := 0;
      BEGIN
        IF minutes IS NULL OR start_at IS NULL THEN RETURN NULL; END IF;
        IF NOT p.business_hours THEN RETURN start_at + make_interval(mins => minutes); END IF;
        IF p.day_end_minute <= p.day_start_minute OR cardinality(p.work_days) = 0 THEN RETURN NULL; END IF;
        local_ts := start_at AT TIME ZONE p.timezone;
        LOOP
          guard := guard + 1;
          IF guard > 4000 THEN RETURN NULL; END IF;
          day_start := date_trunc('day', local_ts) + make_interval(mins => p.day_start_minute);
          day_end := date_trunc('day', local_ts) + make_interval(mins => p.day_end_minute);
          IF extract(isodow FROM local_ts)::int = ANY (p.work_days) AND local_ts < day_end THEN
            IF local_ts < day_start THEN local_ts := day_start; END IF;
            avail := floor(extract(epoch FROM day_end - local_ts) / 60);
            IF remaining <= avail THEN
              RETURN (local_ts + make_interval(mins => remaining)) AT TIME ZONE p.timezone;
            END IF;
            remaining := remaining - avail;
          END IF;
          local_ts := date_trunc('day', local_ts) + interval '1 day';
        END LOOP;
      END $$`);
    await q.query(`CREATE FUNCTION intake_tickets_sla() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE p sla_policies;
      BEGIN
        IF TG_OP = 'INSERT' OR NEW.priority IS DISTINCT FROM OLD.priority THEN
          SELECT * INTO p FROM sla_policies WHERE priority = NEW.priority;
          IF FOUND THEN
            NEW.first_response_due_at := intake_sla_add(NEW.created_at, p.first_response_minutes, p);
            NEW.resolution_due_at := intake_sla_add(NEW.created_at, p.resolution_minutes, p);
          ELSE
            NEW.first_response_due_at := NULL;
            NEW.resolution_due_at := NULL;
          END IF;
        END IF;
        NEW.next_due_at := CASE
          WHEN NEW.status IN ('solved', 'closed') THEN 'infinity'::timestamptz
          WHEN NEW.first_response_at IS NULL AND NEW.first_response_due_at IS NOT NULL THEN NEW.first_response_due_at
          ELSE COALESCE(NEW.resolution_due_at, 'infinity'::timestamptz)
        END;
        RETURN NEW;
      END $$`);
    await q.query(
      `CREATE TRIGGER tickets_sla_due BEFORE INSERT OR UPDATE ON tickets FOR EACH ROW EXECUTE FUNCTION intake_tickets_sla()`,
    );

    // --- merged tickets: new messages follow the ticket they were merged into ---
    await q.query(`CREATE FUNCTION intake_messages_follow_merge() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE target uuid; hops integer := 0;
      BEGIN
        LOOP
          SELECT merged_into_id INTO target FROM tickets WHERE id = NEW.ticket_id;
          EXIT WHEN target IS NULL OR hops >= 10;
          NEW.ticket_id := target;
          hops := hops + 1;
        END LOOP;
        IF hops > 0 THEN
          UPDATE tickets SET last_message_at = now(),
            status = CASE WHEN status IN ('solved', 'pending') AND NEW.direction = 'in' THEN 'open'::ticket_status ELSE status END
          WHERE id = NEW.ticket_id;
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(
      `CREATE TRIGGER messages_follow_merge BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION intake_messages_follow_merge()`,
    );

    // --- full-text search: one document per ticket ---
    await q.query(`CREATE TABLE "ticket_search" (
        "ticket_id" uuid NOT NULL,
        "document" tsvector NOT NULL,
        CONSTRAINT "pk_ticket_search" PRIMARY KEY ("ticket_id"),
        CONSTRAINT "fk_ticket_search_ticket" FOREIGN KEY ("ticket_id") REFERENCES "tickets"("id") ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX "ix_ticket_search_document" ON "ticket_search" USING gin ("document")`);
    // 'simple' configuration: customers write in many languages; no stemming beats wrong stemming.
    await q.query(`CREATE FUNCTION intake_ticket_document(tid uuid) RETURNS tsvector LANGUAGE sql STABLE AS $$
        SELECT setweight(to_tsvector('simple', coalesce((SELECT subject FROM tickets WHERE id = tid), '')), 'A')
          || to_tsvector('simple', coalesce(left((SELECT string_agg(body_text, ' ' ORDER BY created_at)
               FROM messages WHERE ticket_id = tid), 400000), ''))
      $$`);
    // Search upkeep must never fail a write of intake: oversize documents just stop growing.
    await q.query(`CREATE FUNCTION intake_search_refresh(tid uuid) RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO ticket_search (ticket_id, document) VALUES (tid, intake_ticket_document(tid))
        ON CONFLICT (ticket_id) DO UPDATE SET document = EXCLUDED.document;
      EXCEPTION WHEN program_limit_exceeded OR foreign_key_violation THEN
        NULL;
      END $$`);
    await q.query(`CREATE FUNCTION intake_tickets_search() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          INSERT INTO ticket_search (ticket_id, document)
          VALUES (NEW.id, setweight(to_tsvector('simple', NEW.subject), 'A')) ON CONFLICT DO NOTHING;
        ELSIF NEW.subject IS DISTINCT FROM OLD.subject THEN
          PERFORM intake_search_refresh(NEW.id);
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(
      `CREATE TRIGGER tickets_search AFTER INSERT OR UPDATE OF subject ON tickets FOR EACH ROW EXECUTE FUNCTION intake_tickets_search()`,
    );
    await q.query(`CREATE FUNCTION intake_messages_search() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          BEGIN
            UPDATE ticket_search SET document = document || to_tsvector('simple', left(NEW.body_text, 200000))
            WHERE ticket_id = NEW.ticket_id AND pg_column_size(document) < 800000;
          EXCEPTION WHEN program_limit_exceeded THEN
            NULL;
          END;
        ELSE
          IF TG_OP = 'UPDATE' THEN PERFORM intake_search_refresh(NEW.ticket_id); END IF;
          IF TG_OP = 'DELETE' OR OLD.ticket_id IS DISTINCT FROM NEW.ticket_id THEN
            PERFORM intake_search_refresh(OLD.ticket_id);
          END IF;
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(
      `CREATE TRIGGER messages_search AFTER INSERT OR DELETE OR UPDATE OF body_text, ticket_id ON messages FOR EACH ROW EXECUTE FUNCTION intake_messages_search()`,
    );

    // Tickets that existed before this migration get their documents and due dates now.
    await q.query(`INSERT INTO ticket_search (ticket_id, document) SELECT id, intake_ticket_document(id) FROM tickets`);
    await q.query(`UPDATE tickets t SET
        first_response_due_at = intake_sla_add(t.created_at, p.first_response_minutes, p),
        resolution_due_at = intake_sla_add(t.created_at, p.resolution_minutes, p)
      FROM sla_policies p WHERE p.priority = t.priority`);

    // --- live updates: ids only, never content ---
    await q.query(`CREATE FUNCTION intake_notify_ticket() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('intake_events', json_build_object('kind', 'ticket', 'op', lower(TG_OP),
          'ticketId', NEW.id, 'groupId', NEW.group_id, 'assigneeId', NEW.assignee_id)::text);
        RETURN NULL;
      END $$`);
    await q.query(
      `CREATE TRIGGER tickets_notify AFTER INSERT OR UPDATE ON tickets FOR EACH ROW EXECUTE FUNCTION intake_notify_ticket()`,
    );
    await q.query(`CREATE FUNCTION intake_notify_message() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE g uuid; a uuid;
      BEGIN
        SELECT group_id, assignee_id INTO g, a FROM tickets WHERE id = NEW.ticket_id;
        PERFORM pg_notify('intake_events', json_build_object('kind', 'message', 'op', lower(TG_OP),
          'ticketId', NEW.ticket_id, 'messageId', NEW.id, 'groupId', g, 'assigneeId', a)::text);
        RETURN NULL;
      END $$`);
    await q.query(
      `CREATE TRIGGER messages_notify AFTER INSERT OR UPDATE OF delivery_status, ticket_id ON messages FOR EACH ROW EXECUTE FUNCTION intake_notify_message()`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER "messages_notify" ON "messages"`);
    await q.query(`DROP FUNCTION intake_notify_message()`);
    await q.query(`DROP TRIGGER "tickets_notify" ON "tickets"`);
    await q.query(`DROP FUNCTION intake_notify_ticket()`);
    await q.query(`DROP TRIGGER "messages_search" ON "messages"`);
    await q.query(`DROP FUNCTION intake_messages_search()`);
    await q.query(`DROP TRIGGER "tickets_search" ON "tickets"`);
    await q.query(`DROP FUNCTION intake_tickets_search()`);
    await q.query(`DROP FUNCTION intake_search_refresh(uuid)`);
    await q.query(`DROP FUNCTION intake_ticket_document(uuid)`);
    await q.query(`DROP TABLE "ticket_search"`);
    await q.query(`DROP TRIGGER "messages_follow_merge" ON "messages"`);
    await q.query(`DROP FUNCTION intake_messages_follow_merge()`);
    await q.query(`DROP TRIGGER "tickets_sla_due" ON "tickets"`);
    await q.query(`DROP FUNCTION intake_tickets_sla()`);
    await q.query(`DROP FUNCTION intake_sla_add(timestamptz, integer, sla_policies)`);
    await q.query(`ALTER TABLE "group_members" DROP CONSTRAINT "fk_group_members_group"`);
    await q.query(`ALTER TABLE "group_members" DROP CONSTRAINT "fk_group_members_user"`);
    await q.query(`ALTER TABLE "canned_replies" DROP CONSTRAINT "fk_canned_replies_created_by"`);
    await q.query(`ALTER TABLE "tickets" DROP CONSTRAINT "fk_tickets_merged_into"`);
    await q.query(`DROP INDEX "ix_tickets_open_updated"`);
    await q.query(`DROP INDEX "ix_tickets_tags"`);
    await q.query(`DROP INDEX "ix_tickets_assignee_updated"`);
    await q.query(`DROP INDEX "ix_tickets_next_due"`);
    await q.query(`DROP INDEX "ix_tickets_created"`);
    await q.query(`ALTER TABLE "tickets" DROP COLUMN "next_due_at"`);
    await q.query(`ALTER TABLE "tickets" DROP COLUMN "resolution_due_at"`);
    await q.query(`ALTER TABLE "tickets" DROP COLUMN "first_response_due_at"`);
    await q.query(`ALTER TABLE "tickets" DROP COLUMN "merged_into_id"`);
    await q.query(`ALTER TABLE "tickets" DROP COLUMN "tags"`);
    await q.query(`DROP TABLE "sla_policies"`);
    await q.query(`DROP TABLE "group_members"`);
    await q.query(`DROP TABLE "canned_replies"`);
  }
}
