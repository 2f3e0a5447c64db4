import { Module } from '@nestjs/common';
import { ActivityService } from './activity.service';
import { ReportsService } from './reports.service';

/** Supervisor reports and the activity view (issue 11). Needs PlatformModule beside it. */
@Module({ providers: [ReportsService, ActivityService], exports: [ReportsService, ActivityService] })
export class ReportsModule {}
