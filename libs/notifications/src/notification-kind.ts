/** What an agent can be notified about; each has its own on/off preference. */
export type NotificationKind = 'assigned' | 'customer_replied' | 'sla_first_response' | 'sla_resolution';

export const NOTIFICATION_KINDS: NotificationKind[] = [
  'assigned',
  'customer_replied',
  'sla_first_response',
  'sla_resolution',
];

export function isNotificationKind(value: string): value is NotificationKind {
  return (NOTIFICATION_KINDS as string[]).includes(value);
}

/** The preference column that switches a kind on or off. */
export function preferenceOf(kind: NotificationKind): 'notifyAssigned' | 'notifyCustomerReplied' | 'notifySla' {
  switch (kind) {
    case 'assigned':
      return 'notifyAssigned';
    case 'customer_replied':
      return 'notifyCustomerReplied';
    case 'sla_first_response':
    case 'sla_resolution':
      return 'notifySla';
  }
}
