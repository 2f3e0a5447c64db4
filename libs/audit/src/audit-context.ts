import { AsyncLocalStorage } from 'node:async_hooks';

/** What an audit entry can learn from the request being served. */
export interface AuditRequestContext {
  ip: string | null;
}

const storage = new AsyncLocalStorage<AuditRequestContext>();

/**
 * The request behind the current call, so a domain service deep down can record the caller's IP
 * without every command carrying it. The api sets it for each HTTP request (setup-app.ts).
 */
export const AuditContext = {
  run<T>(context: AuditRequestContext, fn: () => T): T {
    return storage.run(context, fn);
  },
  current(): AuditRequestContext | undefined {
    return storage.getStore();
  },
};
