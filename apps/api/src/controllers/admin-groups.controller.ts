import { GroupsService, type AuthenticatedUser } from '@app/auth';
import { userActor } from '@app/audit';
import { UserRole } from '@app/database';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiBody, ApiCookieAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../guards/auth.decorators';

/** Groups and their members: admins change them, supervisors may look. */
@ApiTags('admin: groups')
@ApiCookieAuth()
@Roles(UserRole.Admin)
@Controller('api/admin/groups')
export class AdminGroupsController {
  constructor(private readonly groups: GroupsService) {}

  @Get()
  @Roles(UserRole.Admin, UserRole.Supervisor)
  @ApiOperation({ summary: 'Groups with members, ticket and mailbox counts' })
  async list() {
    return { items: await this.groups.list() };
  }

  @Post()
  @ApiBody({ schema: { example: { name: 'Billing' } } })
  create(@CurrentUser() me: AuthenticatedUser, @Body() body: unknown) {
    return this.groups.create(userActor(me.id), body);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Rename' })
  @ApiBody({ schema: { example: { name: 'Billing & invoices' } } })
  rename(@CurrentUser() me: AuthenticatedUser, @Param('id') id: string, @Body() body: unknown) {
    return this.groups.rename(userActor(me.id), id, body);
  }

  @Put(':id/members')
  @ApiOperation({ summary: 'Replace the member list' })
  @ApiBody({ schema: { example: { userIds: ['00000000-0000-4000-8000-000000000000'] } } })
  members(@CurrentUser() me: AuthenticatedUser, @Param('id') id: string, @Body() body: { userIds?: unknown }) {
    return this.groups.setMembers(userActor(me.id), id, body?.userIds);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary:
      'Delete; refused (409 group_in_use) while tickets or mailboxes use it unless reassignTo names another group (or "none")',
  })
  @ApiQuery({ name: 'reassignTo', required: false })
  async remove(
    @CurrentUser() me: AuthenticatedUser,
    @Param('id') id: string,
    @Query('reassignTo') reassignTo?: string,
  ): Promise<void> {
    await this.groups.remove(
      userActor(me.id),
      id,
      reassignTo === undefined ? undefined : reassignTo === 'none' ? null : reassignTo,
    );
  }
}
