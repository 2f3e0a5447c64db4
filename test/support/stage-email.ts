import { sha256Hex } from '@app/common';
import { InboundKind, InboundMessageEntity, InboundStatus } from '@app/database';
import { extractMessageId } from '@app/intake';
import { JOB_QUEUE, JobName, QueueService } from '@app/queue';
import type { TestApp } from './test-app';

/**
 * Stages raw emails exactly as the poller does: an `email` staging row with the bytes, their
 * sha256 and their Message-ID each, then one `process-inbound` job per row (the row id as job id), all in one round
 * trip. Returns the row ids in order.
 */
export async function stageEmails(app: TestApp, raws: Buffer[]): Promise<string[]> {
  const repo = app.dataSource.getRepository(InboundMessageEntity);
  const ids: string[] = [];
  for (const raw of raws) {
    const inserted = await repo.insert({
      kind: InboundKind.Email,
      status: InboundStatus.Received,
      raw,
      size: raw.length,
      sha256: sha256Hex(raw),
      messageIdHeader: extractMessageId(raw),
    });
    ids.push((inserted.identifiers[0] as { id: string }).id);
  }
  await app.app
    .get(QueueService)
    .queue(JOB_QUEUE[JobName.ProcessInbound])
    .addBulk(ids.map((id) => ({ name: JobName.ProcessInbound, data: { inboundMessageId: id }, opts: { jobId: id } })));
  return ids;
}

/** One email; see stageEmails. */
export async function stageEmail(app: TestApp, raw: Buffer): Promise<string> {
  const [id] = await stageEmails(app, [raw]);
  if (!id) throw new Error('staging returned no id');
  return id;
}
