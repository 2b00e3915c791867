// First step of `npm start` and `npm test`: install dependencies when missing or stale, so a fresh
// clone needs no separate install step.
import { existsSync, statSync } from 'node:fs';
import { execSync } from 'node:child_process';

const lock = 'package-lock.json';
const marker = 'node_modules/.package-lock.json';
const stale = !existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs + 1000);
if (stale) {
  // `npm install` from the lock file rather than `npm ci`: npm 11 writes lock files that omit some
  // other platforms' optional packages (@swc/core-*), which `npm ci` then refuses as out of sync.
  // `--no-save` (npm's `save=false`) keeps it from writing package-lock.json back: a plain
  // `npm install` re-adds such entries and leaves a fresh clone with a modified tracked file. It
  // still writes node_modules/.package-lock.json, the marker checked above.
  console.error('[kairos] installing dependencies (npm install --no-save from package-lock.json)…');
  execSync('npm install --no-save --no-audit --no-fund --loglevel=error', { stdio: 'inherit' });
}
