#!/usr/bin/env node
// `npx kairos …` (package.json "bin"): the command line, scripts/cli.ts compiled into dist/. A source
// newer than the last build is built first (scripts/build.mjs --if-stale; its progress on stderr, so
// that stdout stays the command's answer).
import { spawnSync } from 'node:child_process';
import { fileURLToPath, URL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const build = spawnSync(process.execPath, [fileURLToPath(new URL('build.mjs', import.meta.url)), '--if-stale'], { cwd: root, stdio: ['ignore', 2, 2] });
if (build.status !== 0) process.exit(build.status ?? 1);
const { main } = await import(new URL('../dist/scripts/cli.js', import.meta.url).href);
await main();
