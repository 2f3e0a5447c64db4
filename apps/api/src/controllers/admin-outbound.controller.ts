import { userActor } from '@app/audit';
import { UserRole } from '@app/database';
import { OutboundStatusService, type StaffActor } from '@app/tickets';
import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../guards/auth.decorators';
import { Actor } from './current-actor';

@ApiTags('admin: outbound mail')
@ApiCookieAuth()
@Roles(UserRole.Admin)
@Controller('api/admin/outbound')
export class AdminOutboundController {
  constructor(private readonly outbound: OutboundStatusService) {}

  @Get()
  @ApiOperation({ summary: 'SMTP configured or not, the server (no login), queued/failed counts, last error' })
  status() {
    return this.outbound.status();
  }

  @Post('test')
  @HttpCode(200)
  @ApiOperation({ summary: "Send a test email now; answers with the SMTP server's reply or its error" })
  @ApiBody({ schema: { example: { to: 'you@example.org' } } })
  test(@Body() body: { to?: unknown }, @Actor() actor: StaffActor) {
    return this.outbound.sendTest(userActor(actor.id), body?.to);
  }
}
