import { Module } from '@nestjs/common';
import { IdentifySenderFilter } from './pipeline/filters/identify-sender.filter';
import { ParseEmailFilter } from './pipeline/filters/parse-email.filter';
import { ParseFormFilter } from './pipeline/filters/parse-form.filter';
import { SanitizeHtmlFilter } from './pipeline/filters/sanitize-html.filter';
import { ThreadByHeadersFilter } from './pipeline/filters/thread-by-headers.filter';
import { IntakePipeline } from './pipeline/intake-pipeline';
import { PersistInboundService } from './persist/persist-inbound.service';
import { ProcessInboundHandler } from './process-inbound.handler';
import { RequeueStagedService } from './requeue-staged.service';
import { StageFormRequest } from './stage-form-request.usecase';

const filters = [ParseFormFilter, ParseEmailFilter, IdentifySenderFilter, ThreadByHeadersFilter, SanitizeHtmlFilter];

/** Staging (web form) and the pipeline; the job handler is registered only in processes that consume. */
@Module({
  providers: [...filters, IntakePipeline, PersistInboundService, StageFormRequest, RequeueStagedService],
  exports: [IntakePipeline, PersistInboundService, StageFormRequest, RequeueStagedService],
})
export class IntakeModule {}

/** Adds the `process-inbound` job handler; import in worker processes only. */
@Module({ imports: [IntakeModule], providers: [ProcessInboundHandler], exports: [IntakeModule] })
export class IntakeWorkerModule {}
