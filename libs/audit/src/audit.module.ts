import { Module } from '@nestjs/common';
import { AuditQueryService } from './audit-query.service';
import { AuditRetention } from './audit-retention.service';
import { AuditService } from './audit.service';

const services = [AuditService, AuditRetention, AuditQueryService];

/** The audit log. Needs PlatformModule (the database) beside it. */
@Module({ providers: services, exports: services })
export class AuditModule {}
