import { AuditModule } from '@app/audit';
import { Module } from '@nestjs/common';
import { ConsentService } from './consent/consent.service';
import { PrivacyPolicyService } from './consent/privacy-policy.service';
import { ContactDataService } from './content/contact-data.service';
import { TicketContentService } from './content/ticket-content.service';
import { DsrExportService } from './dsr/dsr-export.service';
import { DsrService } from './dsr/dsr.service';
import { MaintenanceScheduler } from './jobs/maintenance-scheduler.service';
import { MaintenanceHandlers } from './jobs/maintenance.handlers';
import { RetentionExecutor } from './retention/retention-executor.service';
import { RetentionPlanner } from './retention/retention-planner.service';
import { RetentionPolicyService } from './retention/retention-policy.service';
import { RetentionRunService } from './retention/retention-run.service';
import { StatsRollupService } from './stats/stats-rollup.service';

const services = [
  TicketContentService,
  ContactDataService,
  RetentionPolicyService,
  RetentionPlanner,
  RetentionExecutor,
  RetentionRunService,
  StatsRollupService,
  PrivacyPolicyService,
  ConsentService,
  DsrExportService,
  DsrService,
];

/** Privacy use cases for the api and the CLI. Needs PlatformModule beside it. */
@Module({ imports: [AuditModule], providers: services, exports: [...services, AuditModule] })
export class PrivacyModule {}

/** Adds the maintenance job handlers and their schedules; import in worker processes only. */
@Module({ imports: [PrivacyModule], providers: [MaintenanceHandlers, MaintenanceScheduler], exports: [PrivacyModule] })
export class PrivacyWorkerModule {}
