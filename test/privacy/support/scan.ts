import type { DataSource } from 'typeorm';

export interface Hit {
  table: string;
  column: string;
  needle: string;
  count: number;
}

/**
 * Searches every text-like column (text, varchar, char, json, jsonb, bytea, tsvector, arrays) of
 * every table in the schema for each needle, case-insensitively. Returns where they were found.
 */
export async function scanDatabase(ds: DataSource, needles: string[]): Promise<Hit[]> {
  const columns = await ds.query<Array<{ table_name: string; column_name: string; data_type: string }>>(
    `SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
        AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea', 'tsvector', 'ARRAY')`,
  );
  const hits: Hit[] = [];
  for (const col of columns) {
    const expr = col.data_type === 'bytea' ? `encode("${col.column_name}", 'escape')` : `"${col.column_name}"::text`;
    for (const needle of needles) {
      const [row] = await ds.query<Array<{ n: number }>>(
        `SELECT count(*)::int AS n FROM "${col.table_name}" WHERE position($1 in lower(${expr})) > 0`,
        [needle.toLowerCase()],
      );
      if (row && row.n > 0) hits.push({ table: col.table_name, column: col.column_name, needle, count: row.n });
    }
  }
  return hits;
}

/** How many columns the scan covers (so a test can assert it really looked). */
export async function scannedColumnCount(ds: DataSource): Promise<number> {
  const [row] = await ds.query<Array<{ n: number }>>(
    `SELECT count(*)::int AS n FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
        AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea', 'tsvector', 'ARRAY')`,
  );
  return row?.n ?? 0;
}
