// Compiles Kairos to JavaScript in dist/: tsc (tsconfig.build.json: the runtime directories, with
// `.ts` imports rewritten to `.js`), then dist/scripts/build-assets.js (the prebuilt workflow
// bundle, the dashboard's files). Plain JavaScript, like ensure-deps.mjs: it runs before anything
// is compiled.
//
//   node scripts/build.mjs             `npm run build`: type-checks while it emits; fails on a type error
//   node scripts/build.mjs --if-stale  first step of `npm start`, `npm test` and every stack launched from
//                                      the sources: builds only when a source is newer than the last build,
//                                      and only transpiles (--noCheck; `npm test` type-checks on its own)
//
// Staleness is a scan of modification times (a few milliseconds) against the stamp the last build
// wrote (dist/.build-stamp, the time that build started). A lock directory makes concurrent
// callers (parallel test stacks) build once: the others wait for it, then find dist/ fresh.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, URL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const stampFile = join(dist, '.build-stamp');
const lockDir = join(dist, '.build-lock');
/** What dist/ is built from: a change to any of these (or an added or removed file) makes it stale. */
const SOURCE_DIRS = ['api', 'core', 'workflows', 'activities', 'worker', 'scripts', 'ui'];
const SOURCE_FILES = ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'node_modules/.package-lock.json'];
const LOCK_WAIT_MS = 10 * 60_000;

const ifStale = process.argv.includes('--if-stale');
const say = (msg) => process.stderr.write(`[kairos] ${msg}\n`);

/** The newest modification time below `path` (directories count: adding or removing a file changes theirs). */
function newest(path) {
  let info;
  try {
    info = statSync(path);
  } catch {
    return 0;
  }
  let t = info.mtimeMs;
  if (info.isDirectory()) for (const name of readdirSync(path)) t = Math.max(t, newest(join(path, name)));
  return t;
}

function builtAt() {
  try {
    return JSON.parse(readFileSync(stampFile, 'utf8')).startedAt ?? 0;
  } catch {
    return 0;
  }
}

const stale = () => Math.max(...[...SOURCE_DIRS, ...SOURCE_FILES].map((p) => newest(join(root, p)))) > builtAt();

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** Takes the build lock; a lock whose holder has died is taken over. */
function lock() {
  mkdirSync(dist, { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  let said = false;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      return;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    const holder = Number(existsSync(join(lockDir, 'pid')) ? readFileSync(join(lockDir, 'pid'), 'utf8') : NaN);
    if (Number.isInteger(holder) && !alive(holder)) {
      rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`another build (${lockDir}) has held the lock for ${LOCK_WAIT_MS / 60_000} minutes`);
    if (!said) say('waiting for another build to finish…');
    said = true;
    sleep(200);
  }
}

function build() {
  const started = Date.now();
  say(`building dist/ (tsc${ifStale ? ', transpile only' : ''}, then the workflow bundle)…`);
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const run = (args) => execFileSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  run([tsc, '-p', 'tsconfig.build.json', ...(ifStale ? ['--noCheck'] : [])]);
  run([join(dist, 'scripts', 'build-assets.js')]);
  writeFileSync(stampFile, `${JSON.stringify({ startedAt: started, node: process.version })}\n`);
  say(`built dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (!ifStale || stale()) {
  lock();
  try {
    // Another caller may have built while this one waited.
    if (!ifStale || stale()) build();
  } catch (err) {
    // tsc and the bundler have printed why.
    say(`the build failed${err.status ? ` (exit code ${err.status})` : `: ${err.message}`}`);
    process.exitCode = 1;
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}
