import { QuarantineError } from '../../intake.error';
import type { IntakeContext } from '../intake-context';
import type { IntakeFilter } from '../intake-filter';

/**
 * Our own mail never becomes a ticket: a loop (classify) that threads to a ticket is filed on it
 * like any automatic mail (no reopening, no acknowledgement); one that threads nowhere — a mailbox
 * writing to another, an agent notification bounced into a mailbox — is quarantined (kept, visible
 * to operators, expiring with the quarantine) instead of opening a ticket.
 */
export class LoopGuardFilter implements IntakeFilter {
  readonly name = 'loop-guard';

  run(ctx: IntakeContext): void {
    if (ctx.form || ctx.classification !== 'loop' || ctx.thread.ticketId) return;
    throw new QuarantineError('own_mail_loop');
  }
}
