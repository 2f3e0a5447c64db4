/**
 * The desk's own addresses beyond MAIL_FROM: every mailbox's address (and its fixed Reply-To). Mail
 * from any of them is our own mail coming back (a forwarding rule, an agent notification bounced
 * into a mailbox, one mailbox writing to another) and must never become a ticket.
 */
export interface OwnAddresses {
  isOwn(address: string | null | undefined): Promise<boolean>;
}

/** `support+t1-abc@Desk.Example` → `support@desk.example`: plus-tags and case do not matter. */
export function normaliseOwnAddress(address: string): string {
  const a = address.trim().toLowerCase().replace(/^<|>$/g, '');
  const at = a.lastIndexOf('@');
  if (at <= 0) return a;
  return `${a.slice(0, at).split('+')[0]}@${a.slice(at + 1)}`;
}

/** A fixed list (tests, `mail inspect`). */
export function ownAddressList(addresses: Array<string | null | undefined>): OwnAddresses {
  const set = new Set(addresses.filter((a): a is string => !!a && a.includes('@')).map(normaliseOwnAddress));
  return { isOwn: async (address) => !!address && set.has(normaliseOwnAddress(address)) };
}
