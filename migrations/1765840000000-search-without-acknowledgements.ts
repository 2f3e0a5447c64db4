import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A ticket's search document leaves out the desk's own automatic mail (outbound messages with
 * `auto_submitted`: the acknowledgements). Their text is the same boilerplate on every ticket, so a
 * search for one of its words ("received", the desk's name, a template's wording) matched every
 * acknowledged ticket; and each acknowledgement rewrote the ticket's whole document (a new row
 * version, every word of the customer's mail indexed again in the GIN index) for nothing — about
 * 0.15 ms of PostgreSQL time per new ticket in the intake bench (BENCHMARKS.md, M1).
 *
 * Documents of existing tickets are not rebuilt here (a million of them would hold the upgrade for
 * minutes): an acknowledgement's words stay in a document until it is next rebuilt (a message
 * edited, moved or erased).
 */
export class SearchWithoutAcknowledgements1765840000000 implements MigrationInterface {
  name = 'SearchWithoutAcknowledgements1765840000000';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of searchFunctions(true)) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const sql of searchFunctions(false)) await q.query(sql);
  }
}

/**
 * The two search functions of migration 1764600000000, with or without the desk's automatic
 * outbound mail: a copy on purpose, so this migration stays as it is when later ones change them.
 */
function searchFunctions(withoutAcknowledgements: boolean): string[] {
  const documentFilter = withoutAcknowledgements ? ` AND NOT (auto_submitted AND direction = 'out')` : '';
  const skipOnInsert = withoutAcknowledgements
    ? `
          IF NEW.auto_submitted AND NEW.direction = 'out' THEN
            RETURN NULL;
          END IF;`
    : '';
  return [
    `CREATE OR REPLACE FUNCTION intake_ticket_document(tid uuid) RETURNS tsvector LANGUAGE sql STABLE AS $$
        SELECT setweight(to_tsvector('simple', coalesce((SELECT subject FROM tickets WHERE id = tid), '')), 'A')
          || to_tsvector('simple', coalesce(left((SELECT string_agg(body_text, ' ' ORDER BY created_at)
               FROM messages WHERE ticket_id = tid${documentFilter}), 400000), ''))
      $$`,
    `CREATE OR REPLACE FUNCTION intake_messages_search() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN${skipOnInsert}
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
      END $$`,
  ];
}
