import { MailboxError, MailboxOAuthService, MailboxService } from '@app/intake';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { Option, SubCommand, CommandRunner } from 'nest-commander';
import { fail, printText } from './output';

/** A pending authorisation expires after 10 minutes (MailboxOAuthService); waiting longer is pointless. */
const WAIT_MS = 10 * 60_000;

interface ConnectOptions {
  provider?: string;
  port?: number;
  paste?: boolean;
}

type Callback = { code?: string; state?: string; error?: string };

/**
 * `intake mailbox connect <mailbox> --provider <name>`: the OAuth2 authorization-code flow with PKCE
 * from a terminal. It prints the provider's URL; the admin signs in there as the mailbox, and the
 * provider sends the browser back to a loopback address (RFC 8252 §7.3) this command listens on,
 * or — on a server without a browser, or with `--paste` — the admin pastes the address the browser
 * was sent to. The code is exchanged and the encrypted tokens stored exactly as the admin screen does.
 */
@SubCommand({
  name: 'connect',
  arguments: '<name>',
  description: 'Connect a mailbox with OAuth2 (Google, Microsoft 365, custom): prints the sign-in URL',
})
export class MailboxConnectCommand extends CommandRunner {
  constructor(
    private readonly mailboxes: MailboxService,
    private readonly oauth: MailboxOAuthService,
  ) {
    super();
  }

  async run([ref]: string[], o: ConnectOptions): Promise<void> {
    if (!o.provider) {
      const names = this.oauth.providers().map((p) => p.name);
      return fail(`--provider is required (configured: ${names.length ? names.join(', ') : 'none'})`);
    }
    let server: Server | null = null;
    try {
      const mailbox = await this.mailboxes.get(ref ?? '');
      const port = o.port ?? 0;
      let redirectUri = `http://127.0.0.1:${port}/callback`;
      const waiting: Array<Promise<Callback>> = [];
      if (!o.paste) {
        const listening = await listen(port);
        server = listening.server;
        redirectUri = `http://127.0.0.1:${listening.port}/callback`;
        waiting.push(listening.callback);
      } else if (!o.port) {
        return fail('--paste needs --port: the redirect URI registered at the provider');
      }
      const { authorizeUrl } = await this.oauth.start(mailbox.id, o.provider, { redirectUri });
      printText(
        `Open this address in a browser and sign in as the mailbox ${mailbox.username}:\n\n${authorizeUrl}\n\n` +
          (o.paste
            ? `The browser is then sent to ${redirectUri}?…; paste that whole address here:\n`
            : `Waiting for the browser to come back to ${redirectUri} (or paste the address it was sent to):\n`),
      );
      const stdin = pasted();
      waiting.push(stdin.callback);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new MailboxError('invalid_mailbox', 'No answer within 10 minutes')), WAIT_MS);
      });
      try {
        const answer = await Promise.race([...waiting, timeout]);
        await this.oauth.complete(answer, { redirectUri });
      } finally {
        clearTimeout(timer);
        stdin.close();
      }
      printText(
        `connected mailbox ${mailbox.name} with OAuth2 (${o.provider}); check it with: intake mailbox test ${mailbox.name}\n`,
      );
    } catch (error) {
      if (error instanceof MailboxError) return fail(error.message);
      throw error;
    } finally {
      server?.close();
    }
  }

  @Option({ flags: '--provider <name>', description: 'google | microsoft | custom (as configured)' })
  parseProvider(v: string): string {
    return v;
  }
  @Option({
    flags: '--port <port>',
    description: 'loopback port to listen on (default: any free one; some providers need a fixed, registered one)',
  })
  parsePort(v: string): number {
    const port = Number(v);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error('--port must be 1–65535');
    return port;
  }
  @Option({ flags: '--paste', description: 'do not listen; paste the address the browser was sent to' })
  parsePaste(): boolean {
    return true;
  }
}

/** The query of a redirect URL, or null when the text is no such URL. */
function callbackOf(text: string): Callback | null {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return null;
  }
  const q = url.searchParams;
  if (!q.has('state')) return null;
  return { code: q.get('code') ?? undefined, state: q.get('state') ?? undefined, error: q.get('error') ?? undefined };
}

/** Listens on 127.0.0.1 for the provider's redirect; answers the browser with one line of text. */
async function listen(port: number): Promise<{ server: Server; port: number; callback: Promise<Callback> }> {
  let deliver: (c: Callback) => void = () => undefined;
  const callback = new Promise<Callback>((resolve) => (deliver = resolve));
  const server = createServer((req, res) => {
    const answer = callbackOf(`http://127.0.0.1${req.url ?? '/'}`);
    if (!answer || !(req.url ?? '').startsWith('/callback')) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n');
      return;
    }
    res
      .writeHead(200, { 'content-type': 'text/plain; charset=utf-8' })
      .end('Intake received the answer; the terminal says whether the mailbox is connected. You can close this tab.\n');
    deliver(answer);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port, callback };
}

/** Lines typed or piped in: the first one that is a redirect URL with a state. */
function pasted(): { callback: Promise<Callback>; close(): void } {
  const rl = createInterface({ input: process.stdin, terminal: false });
  const callback = new Promise<Callback>((resolve) => {
    rl.on('line', (line) => {
      const answer = callbackOf(line);
      if (answer) resolve(answer);
      else if (line.trim())
        printText('That is not the address the browser was sent to (it has ?code=…&state=…); try again:\n');
    });
  });
  return { callback, close: () => rl.close() };
}
