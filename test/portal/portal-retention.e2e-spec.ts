import { CustomerAccountEmailEntity, CustomerAccountEntity, CustomerAccountMailEntity } from '@app/database';
import { DataClass, RetentionRunService } from '@app/privacy';
import { JobName, QueueService } from '@app/queue';
import { startSmtpSink, waitFor, type SmtpSink } from '@app/testing';
import { startTestApp, type TestApp } from '../support/test-app';
import { CustomerAgent, REGISTRATION, registeredCustomer } from './portal-client';

/**
 * Registrations never verified hold what a stranger typed (name, company, phone, address, a
 * password hash) and see nothing: the retention class `unverified_portal_accounts` deletes them
 * 7 days (default) after registration, in the scheduled retention run. Verified accounts stay.
 */
describe('retention of never-verified portal accounts', () => {
  let app: TestApp;
  let sink: SmtpSink;

  beforeAll(async () => {
    sink = await startSmtpSink();
    app = await startTestApp({ worker: true, env: { SMTP_URL: sink.url, LOGIN_RATE_LIMIT_PER_15M: '1000' } });
  });
  afterAll(async () => {
    await app?.close();
    await sink?.close();
  });

  async function register(email: string): Promise<string> {
    const agent = new CustomerAgent(app);
    await agent.preCsrf();
    const before = sink.messages.length;
    expect((await agent.request('POST', '/api/portal/register', { ...REGISTRATION, email })).status).toBe(202);
    await sink.waitForCount(before + 1);
    const row = await app.dataSource.getRepository(CustomerAccountEmailEntity).findOneByOrFail({ email });
    return row.accountId;
  }

  it('deletes accounts unverified for 7 days with their addresses and mails; keeps verified and young ones', async () => {
    const stale = await register('never.verified@example.org');
    const young = await register('just.registered@example.org');
    await registeredCustomer(app, sink, 'verified@example.org');
    const verified = (
      await app.dataSource.getRepository(CustomerAccountEmailEntity).findOneByOrFail({ email: 'verified@example.org' })
    ).accountId;
    await app.dataSource.query(
      `UPDATE customer_accounts SET created_at = now() - interval '8 days' WHERE id = ANY($1)`,
      [[stale, verified]],
    );

    const plan = await app.app.get(RetentionRunService).dryRun();
    const entry = plan.entries.find((e) => e.dataClass === DataClass.UnverifiedPortalAccounts);
    expect(entry).toMatchObject({ action: 'delete', target: 'portal_account', ids: [stale] });

    // The scheduled run, triggered now.
    await app.app.get(QueueService).add({ name: JobName.RetentionSweep, data: { trigger: 'manual' } });
    const accounts = app.dataSource.getRepository(CustomerAccountEntity);
    await waitFor(async () => ((await accounts.findOneBy({ id: stale })) ? undefined : true), {
      what: 'stale account removed',
      timeoutMs: 20_000,
    });
    expect(await app.dataSource.getRepository(CustomerAccountEmailEntity).countBy({ accountId: stale })).toBe(0);
    expect(await app.dataSource.getRepository(CustomerAccountMailEntity).countBy({ accountId: stale })).toBe(0);
    expect(await accounts.findOneBy({ id: young })).not.toBeNull();
    expect(await accounts.findOneBy({ id: verified })).not.toBeNull();
  });
});
