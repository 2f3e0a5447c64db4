// Prints the SQL TypeORM would run to make the database match the entities (used while writing
// migrations, and by scripts/check-migrations to fail CI when the two disagree).
import 'reflect-metadata';
import { createDataSource } from '../libs/database/src/data-source';

async function main(): Promise<void> {
  const url = process.argv[2];
  if (!url) throw new Error('usage: schema-diff DATABASE_URL');
  const ds = createDataSource(url);
  await ds.initialize();
  await ds.runMigrations();
  const log = await ds.driver.createSchemaBuilder().log();
  for (const q of log.upQueries) console.log(`${q.query};`);
  await ds.destroy();
  process.exitCode = log.upQueries.length === 0 ? 0 : 3;
}
void main();
