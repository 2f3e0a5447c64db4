#!/usr/bin/env node
'use strict';
// Runs the compiled CLI when `npm run build` has been run, else the TypeScript sources through
// @swc-node/register (a dev dependency), so `npx intake …` works right after `npm install`.
const { existsSync } = require('node:fs');
// Node's on-disk compile cache (Node 22.1+): later runs skip compiling the same modules again
// (0.2-0.3 s of a short command's 1.1-1.5 s start-up here).
require('node:module').enableCompileCache?.();
const { join } = require('node:path');

const root = join(__dirname, '..', '..', '..');
const compiled = join(root, 'dist', 'apps', 'cli', 'src', 'main.js');
if (existsSync(compiled)) {
  require(compiled);
} else {
  process.env.SWC_NODE_PROJECT = join(root, 'tsconfig.json');
  require(join(root, 'node_modules', '@swc-node', 'register'));
  require(join(root, 'apps', 'cli', 'src', 'main.ts'));
}
