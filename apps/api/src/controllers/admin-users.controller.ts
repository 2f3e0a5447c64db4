import { TwoFactorService, UsersService, type AuthenticatedUser } from '@app/auth';
import { userActor } from '@app/audit';
import { UserRole } from '@app/database';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBody, ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../guards/auth.decorators';

/** Staff accounts: admins change them, supervisors may look. */
@ApiTags('admin: users')
@ApiCookieAuth()
@Roles(UserRole.Admin)
@Controller('api/admin/users')
export class AdminUsersController {
  constructor(
    private readonly users: UsersService,
    private readonly twoFactor: TwoFactorService,
  ) {}

  @Get()
  @Roles(UserRole.Admin, UserRole.Supervisor)
  @ApiOperation({ summary: 'Staff with role, status, two-factor, last sign-in and open sessions' })
  async list() {
    return { items: await this.users.list() };
  }

  @Post()
  @ApiOperation({ summary: 'Invite: creates the account and a one-time link (72 h) to set a password' })
  @ApiBody({ schema: { example: { email: 'new.agent@example.org', name: 'New Agent', role: 'agent' } } })
  invite(@CurrentUser() me: AuthenticatedUser, @Body() body: unknown) {
    return this.users.invite(userActor(me.id), body);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change name, role or active; disabling ends their sessions at once' })
  @ApiBody({ schema: { example: { role: 'supervisor', active: true } } })
  update(@CurrentUser() me: AuthenticatedUser, @Param('id') id: string, @Body() body: unknown) {
    return this.users.update(userActor(me.id), id, body);
  }

  @Post(':id/reset-password')
  @HttpCode(200)
  @ApiOperation({ summary: 'A one-time link (24 h) with which the user sets a new password' })
  resetPassword(@CurrentUser() me: AuthenticatedUser, @Param('id') id: string) {
    return this.users.resetPassword(userActor(me.id), id);
  }

  @Post(':id/revoke-sessions')
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign the user out everywhere' })
  revokeSessions(@CurrentUser() me: AuthenticatedUser, @Param('id') id: string) {
    return this.users.revokeSessions(userActor(me.id), id);
  }

  @Delete(':id/2fa')
  @HttpCode(204)
  @ApiOperation({ summary: 'Reset two-factor sign-in (lost phone); the user sets it up again' })
  async resetTwoFactor(@CurrentUser() me: AuthenticatedUser, @Param('id') id: string): Promise<void> {
    const user = await this.users.find(id);
    await this.twoFactor.disable(userActor(me.id), user.id);
  }
}
