import { AuthError, DeskSettingsService, UsersService } from '@app/auth';
import { CLI_ACTOR } from '@app/audit';
import { UserRole } from '@app/database';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { fail, printJson, printTable, printText } from './output';
import { promptSecret } from './prompt';
import { CommandGroup } from './command-group';

interface CreateOptions {
  email?: string;
  role?: string;
  name?: string;
  password?: string;
  json?: boolean;
}

/** Runs a user action; the service's own refusals (no such user, last admin, …) become one line. */
async function orFail(action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (error instanceof AuthError) return fail(error.message);
    throw error;
  }
}

@SubCommand({ name: 'create', description: 'Create a staff user (agent, supervisor or admin)' })
export class UserCreateCommand extends CommandRunner {
  constructor(private readonly users: UsersService) {
    super();
  }

  async run(_: string[], options: CreateOptions): Promise<void> {
    const email = options.email;
    if (!email) return fail('--email is required');
    const password = options.password ?? (await promptSecret('Password (12+ characters): '));
    await orFail(async () => {
      const user = await this.users.create({
        email,
        name: options.name,
        role: (options.role ?? UserRole.Agent) as UserRole,
        password,
      });
      if (options.json) printJson({ id: user.id, email: user.email, role: user.role });
      else printText(`created ${user.role} ${user.email} (${user.id})\n`);
    });
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

@SubCommand({ name: 'list', description: 'List staff with role, status, two-factor and last sign-in' })
export class UserListCommand extends CommandRunner {
  constructor(private readonly users: UsersService) {
    super();
  }

  async run(_: string[], o: { json?: boolean }): Promise<void> {
    const users = await this.users.list();
    if (o.json) return printJson(users);
    printTable(
      users.map((u) => ({
        email: u.email,
        name: u.name,
        role: u.role,
        status: u.active ? 'active' : 'disabled',
        '2fa': u.twoFactor ? 'on' : 'off',
        'last sign-in': u.lastSignInAt?.slice(0, 16).replace('T', ' ') ?? 'never',
        sessions: u.activeSessions,
      })),
    );
  }

  @Option({ flags: '--json', description: 'print JSON' })
  parseJson(): boolean {
    return true;
  }
}

/** `user disable|enable <email or id>`: the same change the Users screen makes, audited as the CLI. */
abstract class UserActiveCommand extends CommandRunner {
  protected abstract readonly active: boolean;

  constructor(private readonly users: UsersService) {
    super();
  }

  async run([ref]: string[]): Promise<void> {
    if (!ref) return fail('which user? give an email address or id');
    await orFail(async () => {
      const before = await this.users.get(ref);
      const user = await this.users.update(CLI_ACTOR, ref, { active: this.active });
      const ended = this.active ? '' : `; ${before.activeSessions} session(s) ended`;
      printText(`${this.active ? 'enabled' : 'disabled'} ${user.email}${ended}\n`);
    });
  }
}

@SubCommand({ name: 'disable', arguments: '<user>', description: 'Disable a user (email or id); ends their sessions' })
export class UserDisableCommand extends UserActiveCommand {
  protected readonly active = false;
  // Each concrete command names its dependencies (an abstract base carries no injection metadata).
  constructor(users: UsersService) {
    super(users);
  }
}

@SubCommand({ name: 'enable', arguments: '<user>', description: 'Enable a disabled user again' })
export class UserEnableCommand extends UserActiveCommand {
  protected readonly active = true;
  constructor(users: UsersService) {
    super(users);
  }
}

@SubCommand({
  name: 'role',
  arguments: '<user> <role>',
  description: 'Change a user’s role (agent, supervisor, admin)',
})
export class UserRoleCommand extends CommandRunner {
  constructor(private readonly users: UsersService) {
    super();
  }

  async run([ref, role]: string[]): Promise<void> {
    if (!ref || !role) return fail('usage: intake user role <user> <agent|supervisor|admin>');
    await orFail(async () => {
      const user = await this.users.update(CLI_ACTOR, ref, { role });
      printText(`${user.email} is now ${user.role}\n`);
    });
  }
}

@SubCommand({
  name: 'reset-password',
  arguments: '<user>',
  description: 'Issue a one-time link (24 h) with which the user sets a new password',
})
export class UserResetPasswordCommand extends CommandRunner {
  constructor(
    private readonly users: UsersService,
    private readonly settings: DeskSettingsService,
  ) {
    super();
  }

  async run([ref]: string[], o: { json?: boolean }): Promise<void> {
    if (!ref) return fail('which user? give an email address or id');
    await orFail(async () => {
      const link = await this.users.resetPassword(CLI_ACTOR, ref);
      const url = `${(await this.settings.get()).publicUrl}${link.url}`;
      if (o.json) return printJson({ url, expiresAt: link.expiresAt });
      printText(
        `one-time link (valid until ${link.expiresAt}), also emailed to the user; give it to them only:\n${url}\n`,
      );
    });
  }

  @Option({ flags: '--json', description: 'print JSON' })
  parseJson(): boolean {
    return true;
  }
}

@SubCommand({ name: 'revoke-sessions', arguments: '<user>', description: 'Sign a user out everywhere' })
export class UserRevokeSessionsCommand extends CommandRunner {
  constructor(private readonly users: UsersService) {
    super();
  }

  async run([ref]: string[]): Promise<void> {
    if (!ref) return fail('which user? give an email address or id');
    await orFail(async () => {
      const { sessionsEnded } = await this.users.revokeSessions(CLI_ACTOR, ref);
      printText(`${sessionsEnded} session(s) ended\n`);
    });
  }
}

export const USER_SUBCOMMANDS = [
  UserCreateCommand,
  UserListCommand,
  UserDisableCommand,
  UserEnableCommand,
  UserRoleCommand,
  UserResetPasswordCommand,
  UserRevokeSessionsCommand,
];

@Command({ name: 'user', description: 'Manage staff users', subCommands: USER_SUBCOMMANDS })
export class UserCommand extends CommandGroup {}

export const USER_COMMANDS = [UserCommand, ...USER_SUBCOMMANDS];
