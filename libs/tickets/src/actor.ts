import { UserRole } from '@app/database';

/** The member of staff on whose behalf a domain service runs. */
export interface StaffActor {
  id: string;
  role: UserRole;
  name: string;
}

/**
 * What a caller may see. Supervisors and admins see every ticket; an agent sees tickets assigned
 * to them, tickets without a group, and tickets of the groups they belong to. Trusted callers
 * (the CLI on the server) use SYSTEM_SCOPE.
 */
export type AccessScope = { kind: 'all' } | { kind: 'agent'; userId: string };

export const SYSTEM_SCOPE: AccessScope = { kind: 'all' };

export function scopeOf(actor: StaffActor): AccessScope {
  return actor.role === UserRole.Agent ? { kind: 'agent', userId: actor.id } : SYSTEM_SCOPE;
}

/**
 * SQL condition restricting alias `t` (tickets) to the scope. `param` receives the user id and
 * returns its placeholder, so the clause composes with other parameters.
 */
export function scopeSql(scope: AccessScope, param: (value: unknown) => string, alias = 't'): string {
  if (scope.kind === 'all') return 'TRUE';
  const me = param(scope.userId);
  return `(${alias}.assignee_id = ${me} OR ${alias}.group_id IS NULL OR ${alias}.group_id IN (SELECT gm.group_id FROM group_members gm WHERE gm.user_id = ${me}))`;
}
