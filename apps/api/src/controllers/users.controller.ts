import { DirectoryService, type StaffActor } from '@app/tickets';
import { Controller, Get } from '@nestjs/common';
import { ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor } from './current-actor';

/** Lookups for the inbox's pickers and labels. */
@ApiTags('directory')
@ApiCookieAuth()
@Controller('api')
export class UsersController {
  constructor(private readonly directory: DirectoryService) {}

  @Get('users')
  @ApiOperation({ summary: 'Active staff (id, name, role) for assignment and labels' })
  async users() {
    return { items: await this.directory.users() };
  }

  @Get('groups')
  @ApiOperation({ summary: 'Groups (id, name, and whether the caller is a member)' })
  async groups(@Actor() actor: StaffActor) {
    return { items: await this.directory.groups(actor.id) };
  }

  @Get('mailboxes')
  @ApiOperation({ summary: 'Mailboxes (id and name only)' })
  async mailboxes() {
    return { items: await this.directory.mailboxes() };
  }

  @Get('tags')
  @ApiOperation({ summary: 'Tags in use on open tickets, most used first' })
  async tags() {
    return { items: await this.directory.tags() };
  }
}
