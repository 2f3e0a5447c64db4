import { JobHandler, JobName, type JobOf } from '@app/queue';
import { Injectable } from '@nestjs/common';
import { SettleInboundService, type SettleOutcome } from './settle-inbound.service';

/** Handles `settle-inbound` (queue `imap-settle`). */
@Injectable()
export class SettleInboundHandler {
  constructor(private readonly settle: SettleInboundService) {}

  @JobHandler(JobName.SettleInbound)
  async handle(data: JobOf<JobName.SettleInbound>): Promise<{ outcome: SettleOutcome }> {
    return { outcome: await this.settle.settle(data.inboundMessageId) };
  }
}
