import { Module } from '@nestjs/common';
import { ReportsService } from './reports.service';

/** Supervisor reports from the statistics tables (issue 11). Needs PlatformModule beside it. */
@Module({ providers: [ReportsService], exports: [ReportsService] })
export class ReportsModule {}
