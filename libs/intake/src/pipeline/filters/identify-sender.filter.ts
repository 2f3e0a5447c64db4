import { QuarantineError } from '../../intake.error';
import { parseAddressList } from './parse-email.filter';
import type { IntakeContext } from '../intake-context';
import type { IntakeFilter } from '../intake-filter';

/** Contact for machine-generated mail that names no sender at all (some MTAs' bounces). */
export const UNKNOWN_DAEMON = 'mailer-daemon@unknown.invalid';

/**
 * The requester is the From address, never Reply-To: Reply-To only says where replies go, and
 * trusting it would let anyone file mail under someone else's name. Without From, the Sender
 * header, then a non-null Return-Path stand in; a bounce or auto-reply with none of them is filed
 * under UNKNOWN_DAEMON; other mail without any sender is quarantined.
 */
export class IdentifySenderFilter implements IntakeFilter {
  readonly name = 'identify-sender';

  run(ctx: IntakeContext): void {
    const message = ctx.message;
    let from = message?.from ?? null;
    if (!from?.address && message) {
      const header = (n: string) => message.headers.get(n)?.[0] ?? '';
      from =
        parseAddressList(header('sender'))[0] ??
        parseAddressList(header('return-path').replace(/^<\s*>$/, ''))[0] ??
        null;
    }
    if (!from?.address && ctx.classification !== 'normal') from = { address: UNKNOWN_DAEMON, name: null };
    if (!from?.address) throw new QuarantineError('no_sender_address');
    ctx.sender = { address: from.address.toLowerCase(), name: from.name };
  }
}
