import { ImapFlow } from 'imapflow';
import { imapErrorCode } from './imap-error';
import type { ImapClientTuning, ImapSettings } from './imap-settings';

/**
 * Builds an imapflow client. It always has an `error` listener (an unhandled 'error' event would
 * crash the process), and imapflow's own logger is off: its entries can quote addresses and
 * subjects. `onError` receives a short code only.
 */
export function createImapClient(
  settings: ImapSettings & { token?: string },
  tuning: ImapClientTuning = {},
  onError: (code: string) => void = () => undefined,
): ImapFlow {
  const client = new ImapFlow({
    host: settings.host,
    port: settings.port,
    secure: settings.tls,
    auth:
      settings.token !== undefined
        ? { user: settings.username, accessToken: settings.token }
        : { user: settings.username, pass: settings.password },
    tls: { rejectUnauthorized: settings.tlsRejectUnauthorized },
    logger: false,
    maxIdleTime: tuning.idleRestartMs,
    autoIdleDelay: tuning.autoIdleDelayMs,
    socketTimeout: tuning.socketTimeoutMs,
    connectionTimeout: tuning.connectionTimeoutMs ?? 30_000,
    greetingTimeout: 16_000,
    missingIdleCommand: 'NOOP',
    clientInfo: { name: 'intake' },
  });
  client.on('error', (error: unknown) => onError(imapErrorCode(error)));
  return client;
}

/** Like createImapClient, fetching an OAuth2 mailbox's access token first. */
export async function createImapClientFresh(
  settings: ImapSettings,
  tuning: ImapClientTuning = {},
  onError: (code: string) => void = () => undefined,
): Promise<ImapFlow> {
  const token = settings.accessToken ? await settings.accessToken() : undefined;
  return createImapClient({ ...settings, ...(token !== undefined ? { token } : {}) }, tuning, onError);
}

/** Logout politely, or drop the socket when the connection is already broken. */
export async function closeImapClient(client: ImapFlow): Promise<void> {
  if (!client.usable) {
    client.close();
    return;
  }
  try {
    await Promise.race([
      client.logout(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('logout timeout')), 3000).unref()),
    ]);
  } catch {
    client.close();
  }
}
