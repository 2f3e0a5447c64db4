import { JobHandler, JobName, type JobOf } from '@app/queue';
import { Injectable } from '@nestjs/common';
import { QuarantineActionService, type DeleteOutcome, type ReplayOutcome } from './quarantine-action.service';

/** Result of a `quarantine-action` job, read back by the CLI that enqueued it. */
export type QuarantineActionResult =
  { action: 'replay'; outcome: ReplayOutcome } | { action: 'delete'; outcome: DeleteOutcome };

/** Handles `quarantine-action` (queue `imap-settle`, where the worker holds the IMAP connections). */
@Injectable()
export class QuarantineActionHandler {
  constructor(private readonly actions: QuarantineActionService) {}

  @JobHandler(JobName.QuarantineAction)
  async handle(data: JobOf<JobName.QuarantineAction>): Promise<QuarantineActionResult> {
    if (data.action === 'replay')
      return { action: 'replay', outcome: await this.actions.replay(data.inboundMessageId) };
    return { action: 'delete', outcome: await this.actions.delete(data.inboundMessageId) };
  }
}
