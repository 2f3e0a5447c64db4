import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';

/**
 * A private Dovecot (IMAP only, plaintext on loopback) for integration tests, following the
 * recipe in ../shared/STACK.md. Each instance has its own directory, port and users; `stop()`
 * waits for the process to exit so a `restart()` can bind the same port again.
 */
export interface TestDovecot {
  host: string;
  port: number;
  dir: string;
  users: Record<string, string>;
  /** Stops (waiting for exit) and starts again on the same port with the same mail store. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** Stop, then delete the directory. */
  destroy(): Promise<void>;
  append(user: string, folder: string, raw: Buffer | string): Promise<number | undefined>;
  count(user: string, folder: string): Promise<number>;
  /** The raw bytes and flags of every message of a folder, in UID order. */
  list(user: string, folder: string): Promise<Array<{ uid: number; source: Buffer; flags: string[] }>>;
  folders(user: string): Promise<string[]>;
  uidValidity(user: string, folder: string): Promise<number>;
  /** Gives the folder a new UIDVALIDITY (as a server migration or a rebuilt index would). */
  changeUidValidity(user: string, folder: string, value: number): void;
  /** Disconnects every IMAP session of a user (doveadm kick). */
  kick(user: string): void;
  client(user: string): ImapFlow;
}

/** A loopback port that was free a moment ago. */
async function pickPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Dovecot validates OAuth2 tokens itself against an RFC 7662 introspection endpoint. */
export interface DovecotOAuth2 {
  introspectionUrl: string;
  clientId: string;
  clientSecret: string;
  /** The introspection field holding the user name (oidc-provider: `sub`). */
  usernameAttribute?: string;
}

function oauth2Passdb(dir: string, oauth2: DovecotOAuth2 | undefined): string {
  if (!oauth2) return '';
  writeFileSync(
    join(dir, 'oauth2.conf.ext'),
    [
      'introspection_mode = post',
      `introspection_url = ${oauth2.introspectionUrl}`,
      `client_id = ${oauth2.clientId}`,
      `client_secret = ${oauth2.clientSecret}`,
      `username_attribute = ${oauth2.usernameAttribute ?? 'sub'}`,
      'active_attribute = active',
      'active_value = true',
      'force_introspection = yes',
      '',
    ].join('\n'),
  );
  return `passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = ${dir}/oauth2.conf.ext
}
`;
}

function configText(dir: string, port: number, oauth2?: DovecotOAuth2): string {
  return `base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login${oauth2 ? ' xoauth2 oauthbearer' : ''}
mail_location = maildir:~/Maildir
mail_uid = nobody
mail_gid = nogroup
first_valid_uid = 1
${oauth2Passdb(dir, oauth2)}passdb {
  driver = passwd-file${oauth2 ? '\n  mechanisms = plain login' : ''}
  args = scheme=PLAIN username_format=%u ${dir}/passwd
}
userdb {
  driver = static
  args = home=${dir}/mail/%u
}
namespace inbox {
  inbox = yes
  separator = /
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
`;
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`dovecot did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 30));
  }
}

export async function startDovecot(
  users: Record<string, string> = { 'support@desk.test': 'secret' },
  options: { oauth2?: DovecotOAuth2 } = {},
): Promise<TestDovecot> {
  const dir = mkdtempSync(join(tmpdir(), 'intake-dovecot-'));
  for (const sub of ['run', 'state', 'mail']) mkdirSync(join(dir, sub));
  // Mail is stored as `nobody`: the store must be reachable and writable for that user.
  chmodSync(dir, 0o755);
  chmodSync(join(dir, 'mail'), 0o777);
  writeFileSync(
    join(dir, 'passwd'),
    Object.entries(users)
      .map(([u, p]) => `${u}:{PLAIN}${p}\n`)
      .join(''),
  );
  const port = await pickPort();
  const configFile = join(dir, 'dovecot.conf');
  writeFileSync(configFile, configText(dir, port, options.oauth2));
  let child: ChildProcess | null = null;

  const start = async (): Promise<void> => {
    child = spawn('dovecot', ['-F', '-c', configFile], { stdio: 'ignore' });
    await waitForPort(port, 10_000);
  };
  const stop = async (): Promise<void> => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGTERM');
    await exited;
  };
  const doveadm = (args: string[]): string => {
    const result = spawnSync('doveadm', ['-c', configFile, ...args], { encoding: 'utf8' });
    if (result.status !== 0 && !(args[0] === 'kick' && result.status === 68)) {
      throw new Error(`doveadm ${args[0]} failed (${result.status}): ${result.stderr}`);
    }
    return result.stdout;
  };
  const client = (user: string): ImapFlow => {
    const c = new ImapFlow({
      host: '127.0.0.1',
      port,
      secure: false,
      auth: { user, pass: users[user] ?? '' },
      logger: false,
      disableAutoIdle: true,
    });
    c.on('error', () => undefined);
    return c;
  };
  const withClient = async <T>(user: string, fn: (c: ImapFlow) => Promise<T>): Promise<T> => {
    const c = client(user);
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.logout().catch(() => c.close());
    }
  };
  const ensureFolder = async (c: ImapFlow, folder: string): Promise<void> => {
    if (folder.toUpperCase() === 'INBOX') return;
    const existing = await c.list();
    if (!existing.some((f) => f.path === folder)) await c.mailboxCreate(folder);
  };

  await start();
  return {
    host: '127.0.0.1',
    port,
    dir,
    users,
    restart: async () => {
      await stop();
      await start();
    },
    stop,
    destroy: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    append: (user, folder, raw) =>
      withClient(user, async (c) => {
        await ensureFolder(c, folder);
        const result = await c.append(folder, typeof raw === 'string' ? Buffer.from(raw) : raw);
        return result ? result.uid : undefined;
      }),
    count: (user, folder) =>
      withClient(user, async (c) => {
        const folders = await c.list();
        if (folder.toUpperCase() !== 'INBOX' && !folders.some((f) => f.path === folder)) return 0;
        const status = await c.status(folder, { messages: true });
        return status ? (status.messages ?? 0) : 0;
      }),
    list: (user, folder) =>
      withClient(user, async (c) => {
        const lock = await c.getMailboxLock(folder);
        try {
          if (c.mailbox && c.mailbox.exists === 0) return [];
          const messages = await c.fetchAll('1:*', { uid: true, source: true, flags: true });
          return messages.map((m) => ({
            uid: m.uid,
            source: m.source ?? Buffer.alloc(0),
            flags: [...(m.flags ?? [])],
          }));
        } finally {
          lock.release();
        }
      }),
    folders: (user) => withClient(user, async (c) => (await c.list()).map((f) => f.path)),
    uidValidity: (user, folder) =>
      withClient(user, async (c) => {
        const status = await c.status(folder, { uidValidity: true });
        return status ? Number(status.uidValidity) : 0;
      }),
    changeUidValidity: (user, folder, value) => {
      doveadm(['mailbox', 'update', '-u', user, '--uid-validity', String(value), folder]);
    },
    kick: (user) => {
      doveadm(['kick', user]);
    },
    client,
  };
}
