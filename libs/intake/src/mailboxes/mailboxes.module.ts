import { AuditModule } from '@app/audit';
import { Module } from '@nestjs/common';
import { IntakeMetrics } from '../metrics/intake-metrics';
import { QuarantineService } from '../quarantine/quarantine.service';
import { AfterProcessService } from '../settle/after-process.service';
import { SettleSweepService } from '../settle/settle-sweep.service';
import { MailboxService } from './mailbox.service';
import { MailboxOAuthModule } from './oauth/mailbox-oauth.module';
import { PasswordCipher } from './password-cipher';
import { StageEmailUseCase } from './stage-email.usecase';

const providers = [
  PasswordCipher,
  MailboxService,
  StageEmailUseCase,
  QuarantineService,
  SettleSweepService,
  AfterProcessService,
  IntakeMetrics,
];

/** Email intake services shared by api, worker, poller and CLI: mailboxes, staging, quarantine, metrics. */
@Module({ imports: [MailboxOAuthModule, AuditModule], providers, exports: providers })
export class MailboxesModule {}
