import { InboundMessageEntity, InboundStatus } from '@app/database';
import { waitFor } from '@app/testing';
import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import { stageEmail } from '../support/stage-email';
import type { TestApp } from '../support/test-app';

export async function compose(options: Mail.Options): Promise<Buffer> {
  return new MailComposer(options).compile().build();
}

/**
 * Stages raw bytes exactly as the poller does (an `email` staging row with raw bytes and sha256,
 * then `process-inbound` with the row id as job id) and waits until the worker has handled it.
 */
export async function deliver(t: TestApp, raw: Buffer, timeoutMs = 30_000): Promise<InboundMessageEntity> {
  const repo = t.dataSource.getRepository(InboundMessageEntity);
  const id = await stageEmail(t, raw);
  return waitFor(
    async () => {
      const row = await repo.findOneBy({ id });
      return row && (row.status === InboundStatus.Processed || row.status === InboundStatus.Quarantined)
        ? row
        : undefined;
    },
    { what: 'inbound processed', timeoutMs },
  );
}
