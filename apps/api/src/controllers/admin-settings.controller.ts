import { DeskSettingsService, type AuthenticatedUser } from '@app/auth';
import { userActor } from '@app/audit';
import { UserRole } from '@app/database';
import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBody, ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../guards/auth.decorators';

@ApiTags('admin: settings')
@ApiCookieAuth()
@Roles(UserRole.Admin)
@Controller('api/admin/settings')
export class AdminSettingsController {
  constructor(private readonly settings: DeskSettingsService) {}

  @Get()
  @ApiOperation({ summary: 'Desk name, public URL, sender address, roles that must use two-factor sign-in' })
  get() {
    return this.settings.get();
  }

  @Put()
  @ApiBody({
    schema: {
      example: {
        deskName: 'Example Support',
        publicUrl: 'https://support.example.org',
        senderAddress: 'support@example.org',
        twoFactorRoles: ['admin'],
      },
    },
  })
  update(@CurrentUser() me: AuthenticatedUser, @Body() body: unknown) {
    return this.settings.update(userActor(me.id), body);
  }
}
