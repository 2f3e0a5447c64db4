import { UserRole } from '@app/database';
import { userActor } from '@app/audit';
import { SlaPoliciesService, type StaffActor } from '@app/tickets';
import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiBody, ApiCookieAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../guards/auth.decorators';
import { Actor } from './current-actor';

@ApiTags('sla')
@ApiCookieAuth()
@Controller('api/sla-policies')
export class SlaController {
  constructor(private readonly policies: SlaPoliciesService) {}

  @Get()
  @ApiOperation({ summary: 'SLA targets per priority' })
  async list() {
    return { items: await this.policies.list() };
  }

  @Put(':priority')
  @Roles(UserRole.Admin)
  @ApiHeader({ name: 'X-CSRF-Token', description: 'CSRF token from sign-in' })
  @ApiOperation({ summary: 'Set the targets of one priority (admin); open tickets get new due dates' })
  @ApiBody({
    schema: {
      example: {
        firstResponseMinutes: 240,
        resolutionMinutes: 1440,
        businessHours: true,
        timezone: 'Europe/Berlin',
        dayStartMinute: 540,
        dayEndMinute: 1020,
        workDays: [1, 2, 3, 4, 5],
      },
    },
  })
  put(@Param('priority') priority: string, @Body() body: unknown, @Actor() actor: StaffActor) {
    return this.policies.put(priority, body, userActor(actor.id));
  }
}
