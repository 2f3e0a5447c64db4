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
