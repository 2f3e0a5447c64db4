// `npm start` runs this first: builds (server and web) only when a source is newer than the last
// build, so a restart takes seconds instead of a full rebuild. `npm run build` always builds.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const stamp = join(root, 'dist', '.build-stamp');
const sources = [
  'apps',
  'libs',
  'migrations',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
];

function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    latest = Math.max(latest, newest(join(path, entry)));
  }
  return latest;
}

if (process.argv.includes('--stamp')) {
  // Called at the end of `npm run build`: what was just built is up to date.
  writeFileSync(stamp, new Date().toISOString());
  process.exit(0);
}

const built = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
const changed = Math.max(...sources.map((s) => newest(join(root, s))));
if (built > changed && existsSync(join(root, 'dist', 'apps', 'all-in-one', 'src', 'main.js'))) {
  process.stderr.write('intake: build is up to date (npm run build rebuilds)\n');
} else {
  process.stderr.write('intake: sources changed since the last build: building…\n');
  const result = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
