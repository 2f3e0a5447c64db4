import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Live delivery state (issue 14): a message's delivery error can change while its status stays
 * `queued` (no SMTP server configured, the desk's login refused, `retrying:…`). The agent's screen
 * must show that at once, so a change of `delivery_error` NOTIFYs like a change of status.
 */
export class DeliveryErrorLive1765820000001 implements MigrationInterface {
  name = 'DeliveryErrorLive1765820000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER "messages_notify" ON "messages"`);
    await q.query(
      `CREATE TRIGGER messages_notify AFTER INSERT OR UPDATE OF delivery_status, delivery_error, ticket_id ON messages FOR EACH ROW EXECUTE FUNCTION intake_notify_message()`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER "messages_notify" ON "messages"`);
    await q.query(
      `CREATE TRIGGER messages_notify AFTER INSERT OR UPDATE OF delivery_status, ticket_id ON messages FOR EACH ROW EXECUTE FUNCTION intake_notify_message()`,
    );
  }
}
