import type { TicketStatus } from '@app/database';

export interface TicketRef {
  ticketId: string;
  number: number;
  status: TicketStatus;
}

export interface StoredMessageRef extends TicketRef {
  messageIdHeader: string;
  /** Our own outbound message (its Message-ID carries our token) or a stored inbound one. */
  outbound: boolean;
}

/**
 * What threading needs to read. The database implementation lives beside it; `mail inspect` and the
 * conformance run use EMPTY_THREAD_STORE (no database: every message is "new").
 */
export interface ThreadStore {
  ticketByNumber(ticketNumber: number): Promise<TicketRef | null>;
  messagesByHeaderIds(ids: string[]): Promise<StoredMessageRef[]>;
  /** Whether the address is the ticket's contact or has written on the ticket before. */
  isParticipant(ticketId: string, address: string): Promise<boolean>;
}

export const EMPTY_THREAD_STORE: ThreadStore = {
  ticketByNumber: async () => null,
  messagesByHeaderIds: async () => [],
  isParticipant: async () => false,
};
