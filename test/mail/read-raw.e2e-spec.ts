import { createDataSource, runMigrations } from '@app/database';
import { createTestDatabase, type TestDatabase } from '@app/testing';
import { createHash, randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { readRawBytesInSlices, readRawBytesMany } from '../../libs/intake/src/persist/read-raw';

/**
 * The worker reads a staged message's bytes back exactly: every byte value (8-bit mail is common;
 * node-postgres' binary result format once turned such bytes into U+FFFD), small messages in one
 * round trip and a large one in slices into shared memory.
 */
describe('reading staged raw bytes', () => {
  let database: TestDatabase;
  let ds: DataSource;

  const stage = async (raw: Buffer): Promise<string> => {
    const sha256 = createHash('sha256').update(raw).digest('hex');
    const [row] = await ds.query<Array<{ id: string }>>(
      `INSERT INTO inbound_messages (kind, status, raw, size, sha256) VALUES ('email', 'received', $1, $2, $3) RETURNING id`,
      [raw, raw.length, sha256],
    );
    return row.id;
  };

  beforeAll(async () => {
    database = await createTestDatabase('rawread');
    ds = createDataSource(database.url, 2);
    await ds.initialize();
    await runMigrations(ds);
  });
  afterAll(async () => {
    await ds.destroy();
    await database.drop();
  });

  it('returns every byte value unchanged, by id, and leaves out rows without bytes', async () => {
    const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const latin1 = Buffer.from('Subject: Gr\xfc\xdfe\r\n\r\nCaf\xe9 \xa0\xff\r\n', 'latin1');
    const a = await stage(every);
    const b = await stage(latin1);
    const gone = await stage(Buffer.from('x'));
    await ds.query(`UPDATE inbound_messages SET raw = NULL WHERE id = $1`, [gone]);
    const raws = await readRawBytesMany(ds, [a, b, gone]);
    expect(raws.get(a)?.equals(every)).toBe(true);
    expect(raws.get(b)?.equals(latin1)).toBe(true);
    expect(raws.has(gone)).toBe(false);
    expect((await readRawBytesMany(ds, [])).size).toBe(0);
  });

  it('reads a large message in slices into shared memory, byte for byte', async () => {
    const large = randomBytes(7 * 1024 * 1024 + 13); // three slices, the last one short
    const id = await stage(large);
    const raw = await readRawBytesInSlices(ds, id);
    expect(raw?.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(raw?.equals(large)).toBe(true);
    await ds.query(`UPDATE inbound_messages SET raw = NULL WHERE id = $1`, [id]);
    expect(await readRawBytesInSlices(ds, id)).toBeNull();
  });
});
