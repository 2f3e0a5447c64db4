import { QuarantineError } from '../../intake.error';
import type { IntakeContext } from '../intake-context';
import type { IntakeFilter } from '../intake-filter';

/**
 * The requester is the From address, never Reply-To: Reply-To only says where replies go, and
 * trusting it would let anyone file mail under someone else's name.
 */
export class IdentifySenderFilter implements IntakeFilter {
  readonly name = 'identify-sender';

  run(ctx: IntakeContext): void {
    const from = ctx.message?.from;
    if (!from?.address) throw new QuarantineError('no_sender_address');
    ctx.sender = { address: from.address.toLowerCase(), name: from.name };
  }
}
