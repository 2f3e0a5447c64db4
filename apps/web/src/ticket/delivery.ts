// Turns the delivery error code the server stores (no personal data, e.g. `EENVELOPE:550`,
// `bounced:permanent:mailbox_unknown:5.1.1`, `retrying:ETIMEDOUT`) into words an agent can act on.

const REASONS: Record<string, string> = {
  no_recipient: 'the customer has no email address',
  recipient_rejected: 'the receiving server rejected the address',
  header_injection: 'the message headers were unsafe and it was not sent',
  smtp_not_configured: 'no outgoing mail server is configured',
  EENVELOPE: 'the receiving server refused the sender or recipient',
  EAUTH: 'the outgoing mail server refused our credentials',
  ECONNECTION: 'the outgoing mail server could not be reached',
  ETIMEDOUT: 'the outgoing mail server did not answer in time',
  ESOCKET: 'the connection to the outgoing mail server failed',
  EMESSAGE: 'the outgoing mail server refused the message',
  send_failed: 'sending failed',
};

function words(code: string): string {
  return REASONS[code] ?? code.replace(/_/g, ' ');
}

export function describeDeliveryError(error: string | null): string {
  if (!error) return 'no reason was recorded';
  const [head = '', ...rest] = error.split(':');
  if (head === 'bounced') {
    const [kind, reason, status] = rest;
    const what = reason && reason !== 'unknown' ? reason.replace(/_/g, ' ') : 'no reason given';
    return `${kind === 'permanent' ? 'bounced' : 'delayed'}: ${what}${status ? ` (${status})` : ''}`;
  }
  if (head === 'retrying') return `retrying: ${words(rest.join(':'))}`;
  const code = rest[0];
  return `${words(head)}${code ? ` (SMTP ${code})` : ''}`;
}

/**
 * Causes a retry cannot fix: the message or the ticket has to change first, or (no SMTP server)
 * the worker sends everything waiting by itself once one is configured and it restarts.
 */
const NOT_RETRYABLE = new Set(['no_recipient', 'header_injection', 'smtp_not_configured']);

export interface DeliveryState {
  /** Short state for the badge: queued, waiting, sending…, sent, not delivered. */
  label: string;
  /** CSS modifier: d-queued, d-sending, d-sent, d-failed. */
  tone: 'queued' | 'sending' | 'sent' | 'failed';
  /** A sentence for the agent, or null when nothing needs saying. */
  detail: string | null;
  canRetry: boolean;
}

/**
 * What one outbound message's delivery means for the agent. A queued message with an error is
 * waiting on something (no SMTP server configured, login refused): it says why and can be nudged
 * once that is fixed; `retrying:` means the worker is already trying again by itself.
 */
export function deliveryState(status: 'queued' | 'sending' | 'sent' | 'failed', error: string | null): DeliveryState {
  const head = (error ?? '').split(':')[0] ?? '';
  const retryable = !NOT_RETRYABLE.has(head);
  switch (status) {
    case 'sent':
      return { label: 'sent', tone: 'sent', detail: null, canRetry: false };
    case 'sending':
      return { label: 'sending…', tone: 'sending', detail: null, canRetry: false };
    case 'failed':
      return {
        label: 'not delivered',
        tone: 'failed',
        detail: `This message was not delivered: ${describeDeliveryError(error)}. The customer has not received it.`,
        canRetry: retryable,
      };
    case 'queued':
      if (!error) return { label: 'queued', tone: 'queued', detail: null, canRetry: false };
      if (head === 'retrying') {
        return {
          label: 'retrying',
          tone: 'queued',
          detail: `Delivery is being retried: ${describeDeliveryError(error)}.`,
          canRetry: false,
        };
      }
      return {
        label: 'waiting',
        tone: 'queued',
        detail: `Waiting to be sent: ${describeDeliveryError(error)}. It goes out once that is fixed.`,
        canRetry: retryable,
      };
  }
}
