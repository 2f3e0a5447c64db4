import { AuthError, GroupsService, UsersService, type GroupView } from '@app/auth';
import { CLI_ACTOR } from '@app/audit';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { fail, printJson, printTable, printText } from './output';
import { CommandGroup } from './command-group';

async function orFail(action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (error instanceof AuthError) return fail(error.message);
    throw error;
  }
}

function members(group: GroupView): string {
  return group.members.map((u) => u.name).join(', ') || '(none)';
}

@SubCommand({ name: 'create', arguments: '<name>', description: 'Create a group tickets can be routed to' })
export class GroupCreateCommand extends CommandRunner {
  constructor(private readonly groups: GroupsService) {
    super();
  }

  async run([name]: string[], o: { json?: boolean }): Promise<void> {
    await orFail(async () => {
      const group = await this.groups.create(CLI_ACTOR, { name });
      if (o.json) return printJson(group);
      printText(`created group ${group.name} (${group.id})\n`);
    });
  }

  @Option({ flags: '--json', description: 'print JSON' })
  parseJson(): boolean {
    return true;
  }
}

@SubCommand({ name: 'list', description: 'List groups with members, tickets and mailboxes' })
export class GroupListCommand extends CommandRunner {
  constructor(private readonly groups: GroupsService) {
    super();
  }

  async run(_: string[], o: { json?: boolean }): Promise<void> {
    const groups = await this.groups.list();
    if (o.json) return printJson(groups);
    printTable(
      groups.map((g) => ({
        name: g.name,
        members: members(g),
        tickets: g.tickets,
        mailboxes: g.mailboxes,
        id: g.id,
      })),
    );
  }

  @Option({ flags: '--json', description: 'print JSON' })
  parseJson(): boolean {
    return true;
  }
}

/** `group add-member|remove-member <group> <user>`: group by name or id, user by email or id. */
abstract class GroupMemberCommand extends CommandRunner {
  protected abstract readonly adds: boolean;

  constructor(
    private readonly groups: GroupsService,
    private readonly users: UsersService,
  ) {
    super();
  }

  async run([groupRef, userRef]: string[]): Promise<void> {
    if (!groupRef || !userRef) return fail('give a group (name or id) and a user (email or id)');
    await orFail(async () => {
      const user = await this.users.find(userRef);
      const group = this.adds
        ? await this.groups.addMember(CLI_ACTOR, groupRef, user.id)
        : await this.groups.removeMember(CLI_ACTOR, groupRef, user.id);
      printText(`${group.name}: ${members(group)}\n`);
    });
  }
}

@SubCommand({ name: 'add-member', arguments: '<group> <user>', description: 'Add a user to a group' })
export class GroupAddMemberCommand extends GroupMemberCommand {
  protected readonly adds = true;
  // Each concrete command names its dependencies (an abstract base carries no injection metadata).
  constructor(groups: GroupsService, users: UsersService) {
    super(groups, users);
  }
}

@SubCommand({ name: 'remove-member', arguments: '<group> <user>', description: 'Remove a user from a group' })
export class GroupRemoveMemberCommand extends GroupMemberCommand {
  protected readonly adds = false;
  // Each concrete command names its dependencies (an abstract base carries no injection metadata).
  constructor(groups: GroupsService, users: UsersService) {
    super(groups, users);
  }
}

const GROUP_SUBCOMMANDS = [GroupCreateCommand, GroupListCommand, GroupAddMemberCommand, GroupRemoveMemberCommand];

@Command({ name: 'group', description: 'Manage groups and their members', subCommands: GROUP_SUBCOMMANDS })
export class GroupCommand extends CommandGroup {}

export const GROUP_COMMANDS = [GroupCommand, ...GROUP_SUBCOMMANDS];
