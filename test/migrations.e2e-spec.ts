import { createDataSource, runMigrations } from '@app/database';
import { createTestDatabase, type TestDatabase } from '@app/testing';

/**
 * CI's guard that entities and hand-written migrations agree: after all migrations, TypeORM must
 * find nothing to change; and every migration's down() must undo it completely.
 */
describe('migrations', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('mig');
  });
  afterAll(async () => {
    await database.drop();
  });

  it('bring an empty database to exactly the schema the entities describe', async () => {
    const ds = createDataSource(database.url, 2);
    await ds.initialize();
    try {
      const applied = await runMigrations(ds);
      expect(applied).toBe(ds.migrations.length);
      const pending = await ds.driver.createSchemaBuilder().log();
      // On failure this lists the SQL a new migration needs.
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);
      // Running again is a no-op; two processes starting together take the advisory lock in turn.
      const others = [createDataSource(database.url, 2), createDataSource(database.url, 2)];
      await Promise.all(others.map((o) => o.initialize()));
      const counts = await Promise.all(others.map((o) => runMigrations(o)));
      await Promise.all(others.map((o) => o.destroy()));
      expect(counts).toEqual([0, 0]);
    } finally {
      await ds.destroy();
    }
  });

  it('undo completely with down()', async () => {
    const ds = createDataSource(database.url, 2);
    await ds.initialize();
    try {
      for (let i = 0; i < ds.migrations.length; i++) await ds.undoLastMigration();
      const rows = await ds.query<Array<{ name: string }>>(
        `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'schema_migrations'
         UNION ALL SELECT typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public' AND t.typtype = 'e'
         UNION ALL SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = 'public' AND sequence_name <> 'schema_migrations_id_seq'`,
      );
      expect(rows.map((r) => r.name)).toEqual([]);
    } finally {
      await ds.destroy();
    }
  });
});
