import type { StaffActor } from '@app/tickets';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { AuthedRequest } from '../guards/auth.decorators';

/** The signed-in member of staff as the ticket services expect it. */
export const Actor = createParamDecorator((_: unknown, ctx: ExecutionContext): StaffActor => {
  const user = ctx.switchToHttp().getRequest<AuthedRequest>().user;
  if (!user) throw new Error('Actor used on a public route');
  return { id: user.id, role: user.role, name: user.name };
});
