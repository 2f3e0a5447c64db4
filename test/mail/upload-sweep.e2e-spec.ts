import { OutboundUploadEntity, UserRole } from '@app/database';
import { JobName, QueueName, QueueService } from '@app/queue';
import { UPLOAD_SWEEP_SCHEDULER } from '@app/tickets';
import { waitFor } from '@app/testing';
import { staff, type StaffSession } from '../support/inbox-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Reply uploads never sent are removed by a scheduled job (BullMQ job scheduler on the maintenance
 * queue): the worker registers it at start, and a run deletes the stale rows and their bytes while
 * a fresh upload stays.
 */
describe('scheduled sweep of unused uploads', () => {
  let t: TestApp;
  let agent: StaffSession;

  beforeAll(async () => {
    t = await startTestApp({ worker: true });
    agent = await staff(t, UserRole.Agent, 'Uma Upload');
  });
  afterAll(async () => {
    await t?.close();
  });

  async function upload(name: string): Promise<string> {
    const form = new FormData();
    form.append(
      'files',
      new Blob([new Uint8Array(Buffer.from(`%PDF-1.4 ${name}`))], { type: 'application/pdf' }),
      name,
    );
    const res = await fetch(`${t.baseUrl}/api/uploads`, {
      method: 'POST',
      headers: { cookie: agent.cookie, 'x-csrf-token': agent.csrf },
      body: form,
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { uploads: Array<{ id: string }> }).uploads[0].id;
  }

  it('is scheduled hourly, and a run removes stale uploads with their bytes but keeps fresh ones', async () => {
    const queue = t.app.get(QueueService).queue(QueueName.Maintenance);
    const scheduler = await waitFor(async () => (await queue.getJobScheduler(UPLOAD_SWEEP_SCHEDULER)) ?? undefined, {
      what: 'upload sweep scheduler',
    });
    expect(scheduler).toMatchObject({ name: JobName.SweepUploads, pattern: '41 * * * *' });

    const stale = await upload('stale.pdf');
    const fresh = await upload('fresh.pdf');
    const repo = t.dataSource.getRepository(OutboundUploadEntity);
    await repo.update({ id: stale }, { createdAt: new Date(Date.now() - 25 * 3600_000) });
    const staleKey = (await repo.findOneByOrFail({ id: stale })).storageKey;

    // What the scheduler adds each hour, added now.
    await t.app.get(QueueService).add({ name: JobName.SweepUploads, data: {} });
    await waitFor(async () => ((await repo.findOneBy({ id: stale })) ? undefined : true), {
      what: 'stale upload swept',
    });
    expect(await repo.findOneBy({ id: fresh })).not.toBeNull();
    const bytes = await t.dataSource.query<unknown[]>('SELECT 1 FROM attachment_contents WHERE key = $1', [staleKey]);
    expect(bytes).toHaveLength(0);
  });
});
