import { closeImapClient, createImapClient } from './imap-client.factory';
import type { ImapSettings } from './imap-settings';

export interface MailboxProbe {
  folders: Array<{ path: string; messages: number | null }>;
  /** Messages in the folder Intake reads. */
  folder: string;
  messages: number;
  uidValidity: number;
  idle: boolean;
}

/** Connects, lists folders with their message counts and reads the intake folder's status. */
export async function probeMailbox(settings: ImapSettings, folder: string): Promise<MailboxProbe> {
  let failure: string | null = null;
  const client = createImapClient(settings, { connectionTimeoutMs: 15_000 }, (code) => {
    failure = code;
  });
  try {
    await client.connect();
    const list = await client.list({ statusQuery: { messages: true } });
    const status = await client.status(folder, { messages: true, uidValidity: true });
    if (!status) throw new Error(`folder ${folder} not found`);
    return {
      folders: list.map((f) => ({ path: f.path, messages: f.status?.messages ?? null })),
      folder,
      messages: status.messages ?? 0,
      uidValidity: Number(status.uidValidity ?? 0),
      idle: client.capabilities.has('IDLE'),
    };
  } catch (error) {
    if (failure && error instanceof Error && !error.message) error.message = failure;
    throw error;
  } finally {
    await closeImapClient(client);
  }
}
