import { AuditQueryService } from '@app/audit';
import { UserRole } from '@app/database';
import { Controller, Get, Header, Query } from '@nestjs/common';
import { ApiCookieAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Roles } from '../guards/auth.decorators';

/**
 * The audit log, read-only: there is no route that edits or deletes an entry (and the table's
 * trigger refuses it); entries leave only under their retention class.
 */
@ApiTags('admin: audit')
@ApiCookieAuth()
@Roles(UserRole.Admin, UserRole.Supervisor)
@Controller('api/admin/audit')
export class AdminAuditController {
  constructor(private readonly audit: AuditQueryService) {}

  @Get()
  @ApiOperation({ summary: 'Entries, newest first; filter by actor, action (or prefix "user."), target, dates' })
  @ApiQuery({ name: 'actor', required: false, description: 'user id, or system|cli|scheduler|contact' })
  @ApiQuery({ name: 'action', required: false })
  @ApiQuery({ name: 'targetType', required: false })
  @ApiQuery({ name: 'targetId', required: false })
  @ApiQuery({ name: 'from', required: false, description: 'YYYY-MM-DD' })
  @ApiQuery({ name: 'to', required: false, description: 'YYYY-MM-DD (inclusive)' })
  @ApiQuery({ name: 'before', required: false, description: 'entry id: the next page' })
  @ApiQuery({ name: 'limit', required: false })
  search(@Query() query: Record<string, string>) {
    return this.audit.search(query);
  }

  @Get('actions')
  @ApiOperation({ summary: 'Actions recorded so far (for the filter)' })
  async actions() {
    return { items: await this.audit.actions() };
  }

  @Get('export.csv')
  @Header('content-type', 'text/csv; charset=utf-8')
  @Header('content-disposition', 'attachment; filename="intake-audit.csv"')
  @ApiOperation({ summary: 'The filtered entries as CSV' })
  csv(@Query() query: Record<string, string>) {
    return this.audit.csv(query);
  }
}
