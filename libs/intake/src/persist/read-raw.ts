import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { readCompacted, type CompactRaw } from '../pipeline/mime/compact-raw';

/**
 * Raw bytes travel as base64 text (`encode(raw, 'base64')`), decoded with Buffer#write. Not in
 * PostgreSQL's binary result format: node-postgres (pg 8.23, pg-protocol 1.16) decodes every
 * result field as a UTF-8 string before it makes a Buffer of it again, so each byte ≥ 0x80 that is
 * not valid UTF-8 came back as U+FFFD (EF BF BD) — an 8-bit message was altered before parsing.
 * Not bytea's default text format either: hex is twice the size, base64 a third more.
 */
function pool(dataSource: DataSource): Pool {
  return (dataSource.driver as unknown as { master: Pool }).master;
}

/**
 * The raw bytes of staging rows in one round trip, by id. Rows without bytes (already processed)
 * are absent from the map. For small messages; a large one is read by readRawBytesInSlices.
 */
export async function readRawBytesMany(dataSource: DataSource, ids: string[]): Promise<Map<string, Buffer>> {
  const byId = new Map<string, Buffer>();
  if (ids.length === 0) return byId;
  const { rows } = await pool(dataSource).query<{ id: string; raw: string }>(
    `SELECT id, encode(raw, 'base64') AS raw FROM inbound_messages WHERE id = ANY($1::uuid[]) AND raw IS NOT NULL`,
    [ids],
  );
  for (const row of rows) byId.set(row.id, Buffer.from(row.raw, 'base64'));
  return byId;
}

/** Raw messages from this size on are read in slices or compacted, never whole (see below). */
export const LARGE_RAW_BYTES = 4 * 1024 * 1024;

/** Bytes per slice of a large raw (as base64, a third more on the wire). */
const SLICE_BYTES = 3 * 1024 * 1024;

/**
 * The raw bytes of one large staging row, read in slices of SLICE_BYTES straight into one buffer of
 * its size. Read whole, a 34 MB message arrived in a receive buffer the driver grows by doubling
 * (64 MB, with the 32 MB one copied into it), then as a string and a Buffer of its full size. The
 * memory is a SharedArrayBuffer, so the parser thread reads these same bytes instead of a copy.
 * Null when the row has no bytes (already processed).
 */
export async function readRawBytesInSlices(dataSource: DataSource, id: string): Promise<Buffer | null> {
  const slice = async (from: number): Promise<{ size: number; base64: string } | null> => {
    const { rows } = await pool(dataSource).query<{ size: number; base64: string }>(
      `SELECT octet_length(raw) AS size, encode(substring(raw FROM $2::int4 FOR $3::int4), 'base64') AS base64
         FROM inbound_messages WHERE id = $1 AND raw IS NOT NULL`,
      [id, from + 1, SLICE_BYTES],
    );
    return rows[0] ?? null;
  };
  const first = await slice(0);
  if (!first) return null;
  const raw = Buffer.from(new SharedArrayBuffer(first.size));
  let at = raw.write(first.base64, 0, 'base64');
  while (at < first.size) {
    const next = await slice(at);
    // The row went away or changed between two slices: read nothing rather than half a message.
    if (!next || next.size !== first.size || next.base64.length === 0) return null;
    at += raw.write(next.base64, at, 'base64');
  }
  return raw;
}

/** Bytes per slice of a compacted read: small, so node-postgres's receive buffer stays small too. */
const COMPACT_SLICE_BYTES = 1024 * 1024;

/**
 * A large staging row's bytes without its base64 bulk (pipeline/mime/compact-raw.ts), read in
 * slices of COMPACT_SLICE_BYTES. Null when the row has no bytes (already processed) or changed
 * while being read.
 */
export async function readRawCompacted(dataSource: DataSource, id: string): Promise<CompactRaw | null> {
  const { rows } = await pool(dataSource).query<{ size: number }>(
    `SELECT octet_length(raw) AS size FROM inbound_messages WHERE id = $1 AND raw IS NOT NULL`,
    [id],
  );
  const size = rows[0]?.size;
  if (!size) return null;
  return readCompacted(size, COMPACT_SLICE_BYTES, async (from, length) => {
    const slice = await pool(dataSource).query<{ size: number; base64: string }>(
      `SELECT octet_length(raw) AS size, encode(substring(raw FROM $2::int4 FOR $3::int4), 'base64') AS base64
         FROM inbound_messages WHERE id = $1 AND raw IS NOT NULL`,
      [id, from + 1, length],
    );
    const row = slice.rows[0];
    return row && row.size === size ? Buffer.from(row.base64, 'base64') : null;
  });
}
