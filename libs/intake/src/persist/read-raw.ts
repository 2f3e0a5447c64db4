import type { Pool, QueryConfig, QueryResult } from 'pg';
import type { DataSource } from 'typeorm';

/** Every column comes back as its bytes: the one column read here is bytea. */
const AS_BUFFER = { getTypeParser: () => (value: Buffer) => value };

/**
 * The raw bytes of staging rows in one round trip, by id, in PostgreSQL's BINARY result format:
 * the default text format sends bytea as hex, so a 34 MB message would arrive as a 68 MB string and
 * be decoded into a third copy. Binary format sends the bytes once, and each Buffer is a view of
 * the received packet. Rows without bytes (already processed) are absent from the map.
 */
export async function readRawBytesMany(dataSource: DataSource, ids: string[]): Promise<Map<string, Buffer>> {
  const pool = (dataSource.driver as unknown as { master: Pool }).master;
  // In binary format the position comes back as an 8-byte integer; the ids are looked up by it.
  const query: QueryConfig & { binary: boolean } = {
    text: `SELECT x.ord, i.raw FROM unnest($1::uuid[]) WITH ORDINALITY AS x(id, ord)
             JOIN inbound_messages i ON i.id = x.id WHERE i.raw IS NOT NULL`,
    values: [ids],
    binary: true,
    types: AS_BUFFER,
  };
  const result: QueryResult<{ ord: Buffer; raw: Buffer }> = await pool.query(query);
  const byId = new Map<string, Buffer>();
  for (const row of result.rows) {
    const id = ids[Number(row.ord.readBigInt64BE(0)) - 1];
    if (id) byId.set(id, row.raw);
  }
  return byId;
}
