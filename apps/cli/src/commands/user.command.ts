import { AuthError, UsersService } from '@app/auth';
import { UserRole } from '@app/database';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { fail, printJson, printText } from './output';
import { promptSecret } from './prompt';
import { CommandGroup } from './command-group';

interface CreateOptions {
  email?: string;
  role?: string;
  name?: string;
  password?: string;
  json?: boolean;
}

@SubCommand({ name: 'create', description: 'Create a staff user (agent, supervisor or admin)' })
export class UserCreateCommand extends CommandRunner {
  constructor(private readonly users: UsersService) {
    super();
  }

  async run(_: string[], options: CreateOptions): Promise<void> {
    if (!options.email) return fail('--email is required');
    const password = options.password ?? (await promptSecret('Password (12+ characters): '));
    try {
      const user = await this.users.create({
        email: options.email,
        name: options.name,
        role: (options.role ?? UserRole.Agent) as UserRole,
        password,
      });
      if (options.json) printJson({ id: user.id, email: user.email, role: user.role });
      else printText(`created ${user.role} ${user.email} (${user.id})\n`);
    } catch (error) {
      if (error instanceof AuthError) return fail(error.message);
      throw error;
    }
  }

  @Option({ flags: '--email <email>', description: 'sign-in address' })
  parseEmail(value: string): string {
    return value;
  }

  @Option({ flags: '--role <role>', description: 'agent | supervisor | admin (default agent)' })
  parseRole(value: string): string {
    return value;
  }

  @Option({ flags: '--name <name>', description: 'display name (default: the part before @)' })
  parseName(value: string): string {
    return value;
  }

  @Option({ flags: '--password <password>', description: 'omit to be prompted (keeps it out of shell history)' })
  parsePassword(value: string): string {
    return value;
  }

  @Option({ flags: '--json', description: 'print JSON' })
  parseJson(): boolean {
    return true;
  }
}

@Command({ name: 'user', description: 'Manage staff users', subCommands: [UserCreateCommand] })
export class UserCommand extends CommandGroup {}
