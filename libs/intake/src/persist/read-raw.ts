import type { Pool, QueryConfig, QueryResult } from 'pg';
import type { DataSource } from 'typeorm';

/** Every column comes back as its bytes: the one column read here is bytea. */
const AS_BUFFER = { getTypeParser: () => (value: Buffer) => value };

/**
 * The raw bytes of one staging row, read in PostgreSQL's BINARY result format. The default text
 * format sends bytea as hex: a 34 MB message would arrive as a 68 MB string and be decoded into a
 * third copy. Binary format sends the bytes once, and the Buffer is a view of the received packet.
 */
export async function readRawBytes(dataSource: DataSource, inboundMessageId: string): Promise<Buffer | null> {
  const pool = (dataSource.driver as unknown as { master: Pool }).master;
  const query: QueryConfig & { binary: boolean } = {
    text: 'SELECT raw FROM inbound_messages WHERE id = $1',
    values: [inboundMessageId],
    binary: true,
    types: AS_BUFFER,
  };
  const result: QueryResult<{ raw: Buffer | null }> = await pool.query(query);
  return result.rows[0]?.raw ?? null;
}
