import type { IntakeContext } from './intake-context';

/** One small step of the intake pipeline. Filters run in a fixed order (see intake-pipeline.ts). */
export interface IntakeFilter {
  readonly name: string;
  run(ctx: IntakeContext): Promise<void> | void;
}

/** Marks a message that may be a follow-up or new ticket to be decided without touching the db. */
export const INTAKE_FILTERS = Symbol('INTAKE_FILTERS');
