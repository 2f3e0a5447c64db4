import { CommandRunner } from 'nest-commander';
import { printError } from './output';

/**
 * A command that only groups subcommands (`intake ticket …`). Alone it shows its help; with a word
 * that is none of its subcommands it says so and fails, like an unknown top-level command.
 */
export abstract class CommandGroup extends CommandRunner {
  async run(params: string[]): Promise<void> {
    if (params.length === 0) {
      this.command.outputHelp();
      return;
    }
    const names: string[] = [];
    for (let c: typeof this.command | null = this.command; c?.parent; c = c.parent) names.unshift(c.name());
    printError(`error: unknown command '${[...names, params[0]].join(' ')}'\n`);
    this.command.outputHelp({ error: true });
    process.exitCode = 1;
  }
}
