import { describe, expect, it } from '@jest/globals';
import { deliveryState, describeDeliveryError } from './delivery';

describe('delivery state in words', () => {
  it('tells each state and offers Retry only where a retry can help', () => {
    expect(deliveryState('sent', null)).toMatchObject({ label: 'sent', detail: null, canRetry: false });
    expect(deliveryState('sending', null)).toMatchObject({ label: 'sending…', canRetry: false });
    expect(deliveryState('queued', null)).toMatchObject({ label: 'queued', detail: null, canRetry: false });

    const waiting = deliveryState('queued', 'smtp_not_configured');
    expect(waiting.label).toBe('waiting');
    expect(waiting.detail).toContain('no outgoing mail server is configured');
    expect(waiting.canRetry).toBe(false);

    const login = deliveryState('queued', 'EAUTH:535');
    expect(login.detail).toContain('refused our credentials (SMTP 535)');
    expect(login.canRetry).toBe(true);

    const retrying = deliveryState('queued', 'retrying:ETIMEDOUT');
    expect(retrying).toMatchObject({ label: 'retrying', canRetry: false });
    expect(retrying.detail).toContain('did not answer in time');

    const rejected = deliveryState('failed', 'EENVELOPE:550');
    expect(rejected).toMatchObject({ label: 'not delivered', tone: 'failed', canRetry: true });
    expect(rejected.detail).toContain('refused the sender or recipient (SMTP 550)');

    expect(deliveryState('failed', 'no_recipient').canRetry).toBe(false);
    expect(deliveryState('failed', 'header_injection').canRetry).toBe(false);
  });

  it("gives a bounce's reason and status", () => {
    expect(describeDeliveryError('bounced:permanent:mailbox_unknown:5.1.1')).toBe('bounced: mailbox unknown (5.1.1)');
    expect(describeDeliveryError('bounced:transient:unknown')).toBe('delayed: no reason given');
    expect(describeDeliveryError(null)).toBe('no reason was recorded');
  });
});
