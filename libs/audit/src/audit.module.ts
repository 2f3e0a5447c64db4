import { Module } from '@nestjs/common';
import { AuditRetention } from './audit-retention.service';
import { AuditService } from './audit.service';

/** The audit log. Needs PlatformModule (the database) beside it. */
@Module({ providers: [AuditService, AuditRetention], exports: [AuditService, AuditRetention] })
export class AuditModule {}
