import { ImapFlow } from 'imapflow';
import { imapErrorCode } from './imap-error';
import type { ImapClientTuning, ImapSettings } from './imap-settings';

/**
 * Builds an imapflow client. It always has an `error` listener (an unhandled 'error' event would
 * crash the process), and imapflow's own logger is off: its entries can quote addresses and
 * subjects. `onError` receives a short code only.
 */
export function createImapClient(
  settings: ImapSettings,
  tuning: ImapClientTuning = {},
  onError: (code: string) => void = () => undefined,
): ImapFlow {
  const client = new ImapFlow({
    host: settings.host,
    port: settings.port,
    secure: settings.tls,
    auth: { user: settings.username, pass: settings.password },
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
