// First step of `npm start` and `npm test`: install dependencies when missing or stale, so a fresh
// clone needs no separate install step.
import { existsSync, statSync } from 'node:fs';
import { execSync } from 'node:child_process';

const lock = 'package-lock.json';
const marker = 'node_modules/.package-lock.json';
const stale = !existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs + 1000);
if (stale) {
  console.error('[kairos] installing dependencies (npm ci)…');
  execSync('npm ci --no-audit --no-fund --loglevel=error', { stdio: 'inherit' });
}
