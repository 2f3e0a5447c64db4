import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Customers and organisations (issue 11).
 *
 * - `organisations`: a name (unique, case-insensitive) and optional email domains an admin assigns.
 * - `contacts.organisation_id`: derived by a trigger from the company field (an organisation of that
 *   name is found or created) or, failing that, from the address's domain; set by hand through the
 *   API. The trigger runs on insert and on changes of company or email, so intake, corrections and
 *   erasure (which empties both) keep it right without each knowing the rule.
 * - `contact_addresses`: further addresses of one customer (after a merge, or added by staff). The
 *   primary address stays `contacts.email`; an address is in at most one of the two places.
 * - Trigram indexes (pg_trgm) let the search box find a customer by any part of an address, name,
 *   company or organisation; `ix_tickets_contact_created` serves the customer page newest first.
 */
export class Customers1765300000000 implements MigrationInterface {
  name = 'Customers1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await q.query(`CREATE TABLE "organisations" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "name" text NOT NULL,
        "domains" text array NOT NULL DEFAULT '{}',
        CONSTRAINT "pk_organisations" PRIMARY KEY ("id")
      )`);
    await q.query(`CREATE UNIQUE INDEX "ux_organisations_name" ON "organisations" (lower("name"))`);
    await q.query(`CREATE INDEX "ix_organisations_domains" ON "organisations" USING gin ("domains")`);
    await q.query(`CREATE INDEX "ix_organisations_search" ON "organisations" USING gin (lower("name") gin_trgm_ops)`);
    await q.query(`ALTER TABLE "contacts" ADD "organisation_id" uuid`);
    await q.query(`ALTER TABLE "contacts" ADD CONSTRAINT "fk_contacts_organisation" FOREIGN KEY ("organisation_id")
        REFERENCES "organisations"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    await q.query(`CREATE INDEX "ix_contacts_organisation" ON "contacts" ("organisation_id")`);
    await q.query(`CREATE INDEX "ix_contacts_search" ON "contacts" USING gin (
        (lower(coalesce(email, '') || ' ' || coalesce(name, '') || ' ' || coalesce(company, ''))) gin_trgm_ops)`);
    await q.query(`CREATE TABLE "contact_addresses" (
        "email" text NOT NULL,
        "contact_id" uuid NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "pk_contact_addresses" PRIMARY KEY ("email"),
        CONSTRAINT "fk_contact_addresses_contact" FOREIGN KEY ("contact_id") REFERENCES "contacts"("id") ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX "ix_contact_addresses_contact" ON "contact_addresses" ("contact_id")`);
    await q.query(`CREATE INDEX "ix_contact_addresses_search" ON "contact_addresses" USING gin ("email" gin_trgm_ops)`);
    await q.query(`CREATE INDEX "ix_tickets_contact_created" ON "tickets" ("contact_id", "created_at", "id")`);

    await q.query(`CREATE FUNCTION intake_contact_organisation() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE org uuid; company text := nullif(btrim(NEW.company), '');
      BEGIN
        IF TG_OP = 'UPDATE' AND NEW.company IS NOT DISTINCT FROM OLD.company
           AND NEW.email IS NOT DISTINCT FROM OLD.email THEN
          RETURN NEW;
        END IF;
        IF company IS NOT NULL THEN
          INSERT INTO organisations (name) VALUES (company) ON CONFLICT ((lower(name))) DO NOTHING;
          SELECT id INTO org FROM organisations WHERE lower(name) = lower(company);
        ELSIF NEW.email IS NOT NULL THEN
          SELECT id INTO org FROM organisations WHERE domains @> ARRAY[split_part(NEW.email, '@', 2)]
            ORDER BY created_at, id LIMIT 1;
        END IF;
        NEW.organisation_id := org;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER contacts_organisation BEFORE INSERT OR UPDATE OF company, email ON contacts
        FOR EACH ROW EXECUTE FUNCTION intake_contact_organisation()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER "contacts_organisation" ON "contacts"`);
    await q.query(`DROP FUNCTION intake_contact_organisation()`);
    await q.query(`DROP INDEX "ix_tickets_contact_created"`);
    await q.query(`DROP TABLE "contact_addresses"`);
    await q.query(`DROP INDEX "ix_contacts_search"`);
    await q.query(`DROP INDEX "ix_contacts_organisation"`);
    await q.query(`ALTER TABLE "contacts" DROP CONSTRAINT "fk_contacts_organisation"`);
    await q.query(`ALTER TABLE "contacts" DROP COLUMN "organisation_id"`);
    await q.query(`DROP TABLE "organisations"`);
    await q.query(`DROP EXTENSION IF EXISTS pg_trgm`);
  }
}
