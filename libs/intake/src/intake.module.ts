import { OutboundWorkerModule } from '@app/tickets';
import { Module } from '@nestjs/common';
import { IntakePipeline } from './pipeline/intake-pipeline';
import { MailboxOwnAddresses } from './pipeline/classify/mailbox-own-addresses';
import { DbThreadStore } from './pipeline/thread/db-thread-store';
import { PersistInboundService } from './persist/persist-inbound.service';
import { ProcessInboundHandler } from './process-inbound.handler';
import { RequeueStagedService } from './requeue-staged.service';
import { StageFormRequest } from './stage-form-request.usecase';
import { MailboxesModule } from './mailboxes/mailboxes.module';

/** Staging (web form) and the pipeline; the job handler is registered only in processes that consume. */
@Module({
  imports: [MailboxesModule],
  providers: [
    DbThreadStore,
    MailboxOwnAddresses,
    IntakePipeline,
    PersistInboundService,
    StageFormRequest,
    RequeueStagedService,
  ],
  exports: [IntakePipeline, PersistInboundService, StageFormRequest, RequeueStagedService, MailboxesModule],
})
export class IntakeModule {}

/**
 * Adds the `process-inbound` job handler; import in worker processes only. With the outbound
 * worker module: a committed batch's acknowledgements are sent from here (AcknowledgementSender).
 */
@Module({ imports: [IntakeModule, OutboundWorkerModule], providers: [ProcessInboundHandler], exports: [IntakeModule] })
export class IntakeWorkerModule {}
