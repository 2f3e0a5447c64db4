/** What the api pushes to signed-in browsers. Ids only: the browser fetches content through the API. */
export type TicketEvent =
  | { type: 'ticket'; op: 'insert' | 'update'; ticketId: string }
  | { type: 'message'; op: 'insert' | 'update'; ticketId: string; messageId: string }
  | { type: 'presence'; ticketId: string; viewers: PresenceViewer[] };

export interface PresenceViewer {
  userId: string;
  typing: boolean;
}

/** Shape of the PostgreSQL NOTIFY payloads (see migration 1764600000000 and PresenceService). */
export interface RawNotification {
  kind: 'ticket' | 'message' | 'presence';
  op?: 'insert' | 'update';
  ticketId: string;
  messageId?: string;
  groupId?: string | null;
  assigneeId?: string | null;
  userId?: string;
  typing?: boolean;
  leaving?: boolean;
}
