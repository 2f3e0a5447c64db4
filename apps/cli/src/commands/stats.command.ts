import { StatsRollupService } from '@app/privacy';
import { Command, CommandRunner, SubCommand } from 'nest-commander';
import { printJson } from './output';
import { CommandGroup } from './command-group';

@SubCommand({ name: 'rollup', description: 'Fold new ticket history into the daily statistics now' })
export class StatsRollupCommand extends CommandRunner {
  constructor(private readonly stats: StatsRollupService) {
    super();
  }

  async run(): Promise<void> {
    // settleMs 0: an operator asking now wants everything committed so far.
    printJson(await this.stats.rollup({ settleMs: 0 }));
  }
}

@Command({ name: 'stats', description: 'Non-personal ticket statistics', subCommands: [StatsRollupCommand] })
export class StatsCommand extends CommandGroup {}
