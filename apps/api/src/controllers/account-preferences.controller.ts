import { AgentPreferencesService } from '@app/notifications';
import type { StaffActor } from '@app/tickets';
import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBody, ApiCookieAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor } from './current-actor';

const EXAMPLE = {
  notifyAssigned: true,
  notifyCustomerReplied: true,
  notifySla: false,
  signature: '{{agent.name}}\nSupport team',
};

/** The signed-in member of staff's own notification settings and signature. */
@ApiTags('account')
@ApiCookieAuth()
@Controller('api/account/preferences')
export class AccountPreferencesController {
  constructor(private readonly preferences: AgentPreferencesService) {}

  @Get()
  @ApiOperation({ summary: 'Your notification switches and signature, with the placeholders it may use' })
  get(@Actor() actor: StaffActor) {
    return this.preferences.get(actor.id);
  }

  @Put()
  @ApiHeader({ name: 'X-CSRF-Token', description: 'CSRF token from sign-in' })
  @ApiBody({ schema: { example: EXAMPLE } })
  @ApiOperation({ summary: 'Change any of them; a signature with an unknown placeholder is refused (400)' })
  update(@Actor() actor: StaffActor, @Body() body: unknown) {
    return this.preferences.update(actor.id, body);
  }
}
