import { AppConfig, ConfigModule } from '@app/config';
import { Module, type DynamicModule, type Provider, type Type } from '@nestjs/common';
import type { CommandRunner } from 'nest-commander';
import { ALL_COMMANDS } from './cli.module';
import { CommandGroup } from './commands/command-group';
import { MailInspectCommand } from './commands/mail-inspect.command';
import { NeedsDatabase } from './needs-database';

/**
 * The first pass of every `intake` call, with no database and no queue opened: commander parses
 * the arguments against every command's real definition, so help, unknown commands and missing
 * arguments are answered here, and `mail inspect` (which writes nothing) runs here. A command
 * that needs the database throws NeedsDatabase from `run()`, and main() starts a second pass with
 * the database and the queue (see main.ts).
 */
@Module({})
export class OfflineCliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: OfflineCliModule,
      imports: [ConfigModule.forRoot(config)],
      providers: ALL_COMMANDS.map((command) => offlineProvider(command as Type<CommandRunner>)),
    };
  }
}

function offlineProvider(command: Type<CommandRunner>): Provider {
  if (command === MailInspectCommand) {
    return {
      provide: command,
      useFactory: (config: AppConfig) => new MailInspectCommand(null, config),
      inject: [AppConfig],
    };
  }
  return {
    provide: command,
    useFactory: () => {
      // The command's own definition (decorators and @Option parsers live on the prototype)
      // without its constructor, whose services would need the database.
      const stub = Object.create(command.prototype as object) as CommandRunner;
      // A group only prints help or refuses an unknown word: that runs here as it is.
      if (!(stub instanceof CommandGroup)) {
        stub.run = () => Promise.reject(new NeedsDatabase());
      }
      return stub;
    },
  };
}
