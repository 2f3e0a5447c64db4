import { UserRole } from '@app/database';
import { JobName, QueueName, QueueService } from '@app/queue';
import { staff, type StaffSession } from '../support/inbox-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Bull Board on the embedded set-up's queue backend (no REDIS_URL: BullMQ on PostgreSQL). The
 * board must list the queues and their jobs there too, or say plainly what it cannot show.
 */
describe('Bull Board on the PostgreSQL queue backend', () => {
  let app: TestApp;
  let admin: StaffSession;

  const board = (path: string, init: RequestInit = {}) =>
    fetch(`${app.baseUrl}/admin/queues${path}`, {
      ...init,
      headers: { cookie: admin.cookie, 'sec-fetch-site': 'same-origin', ...(init.headers as Record<string, string>) },
    });

  beforeAll(async () => {
    app = await startTestApp({ env: { REDIS_URL: undefined } });
    admin = await staff(app, UserRole.Admin, 'Board Admin');
  });
  afterAll(async () => {
    await app.close();
  });

  it('runs without Redis, serves the page and lists queues and a waiting job', async () => {
    expect(app.config.values.REDIS_URL).toBeUndefined();
    const page = await board('');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Intake queues');

    await app.app
      .get(QueueService)
      .add({ name: JobName.StatsRollup, data: {} }, { jobId: 'board-pg-probe', delay: 3600_000 });
    const res = await board('/api/queues?activeQueue=maintenance&status=delayed&page=1');
    const body = (await res.json()) as {
      queues?: Array<{ name: string; counts: Record<string, number>; jobs: Array<{ id: string }> }>;
      error?: string;
      message?: string;
    };
    expect({ status: res.status, error: body.error, message: body.message }).toEqual({
      status: 200,
      error: undefined,
      message: undefined,
    });
    const maintenance = body.queues!.find((q) => q.name === 'maintenance');
    expect(body.queues!.map((q) => q.name)).toContain('intake');
    expect(maintenance?.counts.delayed).toBe(1);
    expect(maintenance?.jobs.map((j) => j.id)).toEqual(['board-pg-probe']);

    const job = await board('/api/queues/maintenance/board-pg-probe');
    expect(job.status).toBe(200);
    expect(await job.json()).toMatchObject({ job: { id: 'board-pg-probe', name: 'stats-rollup' }, status: 'delayed' });
    // The board's "Redis" panel reports the backend it really runs on.
    expect(await (await board('/api/redis/stats')).json()).toMatchObject({ backend: 'postgres' });
  });

  it('pauses and resumes a queue there, audited like on Redis', async () => {
    expect((await board('/api/queues/maintenance/pause', { method: 'PUT' })).status).toBe(200);
    expect(await app.app.get(QueueService).queue(QueueName.Maintenance).isPaused()).toBe(true);
    expect((await board('/api/queues/maintenance/resume', { method: 'PUT' })).status).toBe(200);
    expect(await app.app.get(QueueService).queue(QueueName.Maintenance).isPaused()).toBe(false);
    const entries = await app.dataSource.query<Array<{ details: { path: string } }>>(
      `SELECT details FROM audit_log WHERE action = 'queue.changed' ORDER BY id`,
    );
    expect(entries.map((e) => e.details.path)).toEqual([
      '/api/queues/maintenance/pause',
      '/api/queues/maintenance/resume',
    ]);
  });
});
