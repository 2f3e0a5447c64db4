import { createDataSource, runMigrations } from '@app/database';
import { createTestDatabase, type TestDatabase } from '@app/testing';
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { PgAttachmentStorage } from '../../libs/database/src/storage/pg-attachment-storage';

/**
 * Attachment bytes in PostgreSQL come back exactly: every byte value, an empty file, and a large
 * one that is written and read in slices; a key stored twice keeps its first bytes.
 */
describe('PostgreSQL attachment storage', () => {
  let database: TestDatabase;
  let ds: DataSource;
  let storage: PgAttachmentStorage;

  beforeAll(async () => {
    database = await createTestDatabase('attstore');
    ds = createDataSource(database.url, 2);
    await ds.initialize();
    await runMigrations(ds);
    storage = new PgAttachmentStorage(ds);
  });
  afterAll(async () => {
    await ds.destroy();
    await database.drop();
  });

  it('returns what was put, small, empty and large (written and read in slices)', async () => {
    const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const large = randomBytes(17 * 1024 * 1024 + 5); // three write slices, six read slices
    await ds.transaction(async (m) => {
      await storage.put(m, 'every', every);
      await storage.put(m, 'empty', Buffer.alloc(0));
      await storage.put(m, 'large', large);
    });
    expect((await storage.get('every'))?.equals(every)).toBe(true);
    expect((await storage.get('empty'))?.length).toBe(0);
    expect((await storage.get('large'))?.equals(large)).toBe(true);
    expect(await storage.get('missing')).toBeNull();
  });

  it('keeps the first bytes of a key put twice, large or small, and writes nothing of a rolled-back put', async () => {
    const first = randomBytes(9 * 1024 * 1024);
    await ds.transaction((m) => storage.put(m, 'twice', first));
    await ds.transaction((m) => storage.put(m, 'twice', randomBytes(9 * 1024 * 1024)));
    await ds.transaction((m) => storage.put(m, 'twice', Buffer.from('small')));
    expect((await storage.get('twice'))?.equals(first)).toBe(true);
    await expect(
      ds.transaction(async (m) => {
        await storage.put(m, 'undone', randomBytes(9 * 1024 * 1024));
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await storage.get('undone')).toBeNull();
  });
});
