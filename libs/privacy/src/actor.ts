/**
 * Who did something, as stored in audit records: a role word or an id, never a name or address.
 * "user:<uuid>" for staff through the API, "cli" for the command line, "scheduler" for sweeps.
 */
export type Actor = 'cli' | 'scheduler' | 'system' | `user:${string}` | `contact:${string}`;

export function userActor(userId: string): Actor {
  return `user:${userId}`;
}
