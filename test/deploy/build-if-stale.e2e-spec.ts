import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * `npm start` builds only when a source is newer than the last build. The script runs in a copy of
 * the project's layout with a stand-in `npm` on PATH that records being asked to build.
 */
describe('npm start: build only when sources changed', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'intake-stale-'));
    mkdirSync(join(dir, 'scripts'));
    cpSync(join(__dirname, '..', '..', 'scripts', 'build-if-stale.mjs'), join(dir, 'scripts', 'build-if-stale.mjs'));
    mkdirSync(join(dir, 'apps', 'api', 'src'), { recursive: true });
    writeFileSync(join(dir, 'apps', 'api', 'src', 'main.ts'), 'export {};\n');
    mkdirSync(join(dir, 'dist', 'apps', 'all-in-one', 'src'), { recursive: true });
    writeFileSync(join(dir, 'dist', 'apps', 'all-in-one', 'src', 'main.js'), '');
    mkdirSync(join(dir, 'bin'));
    // The stand-in npm: `npm run build` records the call and stamps, as the real build script does.
    writeFileSync(
      join(dir, 'bin', 'npm'),
      `#!/bin/sh\necho "$@" >> "${dir}/npm-calls"\nnode "${dir}/scripts/build-if-stale.mjs" --stamp\n`,
    );
    chmodSync(join(dir, 'bin', 'npm'), 0o755);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const start = (): string => {
    const run = spawnSync(process.execPath, [join(dir, 'scripts', 'build-if-stale.mjs')], {
      env: { PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}` },
      encoding: 'utf8',
    });
    expect(run.status).toBe(0);
    return run.stderr;
  };
  const calls = (): number =>
    existsSync(join(dir, 'npm-calls')) ? readFileSync(join(dir, 'npm-calls'), 'utf8').trim().split('\n').length : 0;

  it('builds the first time, not again while nothing changed, and again after a source changed', () => {
    expect(start()).toContain('building');
    expect(calls()).toBe(1);
    expect(start()).toContain('build is up to date');
    expect(calls()).toBe(1);
    const later = new Date(Date.now() + 5000);
    utimesSync(join(dir, 'apps', 'api', 'src', 'main.ts'), later, later);
    expect(start()).toContain('building');
    expect(calls()).toBe(2);
  });
});
