// Provides the `temporal` CLI binary (dev server + Web UI). Order: KAIROS_TEMPORAL_BIN, a `temporal`
// on PATH, then a cached build of a pinned CLI version from the Go module proxy.
//
// Why a wrapper module: the CLI's go.mod says `replace .../cliext => ./cliext`, and module zips
// never contain nested modules, so `go install github.com/temporalio/cli/cmd/temporal@vX` refuses.
// We build from a throwaway module that requires the CLI and points cliext at the pseudo-version of
// the same commit, which the module proxy serves.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, renameSync, rmSync, writeFileSync, statSync, unlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';

export const TEMPORAL_CLI_VERSION = 'v1.8.2';
/** Pseudo-version of github.com/temporalio/cli/cliext at the commit tagged v1.8.2. */
const CLIEXT_PSEUDO_VERSION = 'v0.0.0-20260731000218-c579925f193f';

export function cacheDir(): string {
  const base = process.env.KAIROS_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kairos');
  return join(base, 'temporal', TEMPORAL_CLI_VERSION);
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

function log(msg: string): void {
  process.stderr.write(`[temporal-bin] ${msg}\n`);
}

/** An exclusive lock file; a second caller (e.g. `npm start` and `npm test` at once) waits for it. */
async function withLock<T>(lockPath: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 30 * 60_000;
  for (;;) {
    try {
      closeSync(openSync(lockPath, 'wx'));
      writeFileSync(lockPath, String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (staleLock(lockPath)) { rmSync(lockPath, { force: true }); continue; }
      if (Date.now() > deadline) throw new Error(`timed out waiting for the build lock ${lockPath}`);
      await sleep(1000);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockPath, { force: true });
  }
}

function staleLock(lockPath: string): boolean {
  try {
    const pid = Number(spawnSync('cat', [lockPath]).stdout.toString().trim());
    if (!pid) return Date.now() - statSync(lockPath).mtimeMs > 60_000;
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

function goBinary(): string {
  const explicit = process.env.KAIROS_GO_BIN;
  const go = explicit
    ? existsSync(explicit)
      ? explicit
      : undefined
    : (onPath('go') ?? (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined));
  if (!go) {
    throw new Error(
      'No Temporal CLI found and no Go toolchain to build one. Install Go 1.25+ (https://go.dev/dl, or ' +
        "Debian's golang package), put a `temporal` binary on PATH, or set KAIROS_TEMPORAL_BIN.",
    );
  }
  return go;
}

async function build(target: string): Promise<void> {
  const go = goBinary();
  const work = `${target}.build-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  writeFileSync(
    join(work, 'go.mod'),
    [
      'module kairos.local/temporal-build',
      '',
      'go 1.26',
      '',
      `require github.com/temporalio/cli ${TEMPORAL_CLI_VERSION}`,
      '',
      `replace github.com/temporalio/cli/cliext => github.com/temporalio/cli/cliext ${CLIEXT_PSEUDO_VERSION}`,
      '',
    ].join('\n'),
  );
  writeFileSync(join(work, 'tools.go'), '//go:build tools\n\npackage tools\n\nimport _ "github.com/temporalio/cli/cmd/temporal"\n');
  const started = Date.now();
  const tail: string[] = [];
  let phase = 'resolving modules';
  const ticker = setInterval(() => log(`${phase}… ${Math.round((Date.now() - started) / 1000)}s elapsed`), 15_000);
  const run = (args: string[], env: NodeJS.ProcessEnv) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn(go, args, { cwd: work, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      const keep = (chunk: Buffer) => {
        for (const line of chunk.toString().split('\n')) {
          if (!line.trim()) continue;
          tail.push(line);
          if (tail.length > 40) tail.shift();
          if (line.startsWith('go: downloading')) phase = `downloading modules (${line.slice(16)})`;
        }
      };
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`go ${args.join(' ')} exited ${code}`))));
    });
  try {
    log(`building Temporal CLI ${TEMPORAL_CLI_VERSION} with ${go} (minutes on a small machine; cached afterwards in ${cacheDir()})`);
    await run(['mod', 'tidy'], { GOFLAGS: '-mod=mod' });
    phase = 'compiling (the Temporal server and Web UI are large)';
    const tmpOut = `${target}.tmp-${process.pid}`;
    await run(['build', '-trimpath', '-o', tmpOut, 'github.com/temporalio/cli/cmd/temporal'], { CGO_ENABLED: '0' });
    renameSync(tmpOut, target); // atomic: a concurrent reader sees no binary or a whole one
    log(`built in ${Math.round((Date.now() - started) / 1000)}s → ${target}`);
  } catch (err) {
    log(`build failed: ${(err as Error).message}\n--- last lines of Go's output ---\n${tail.join('\n')}`);
    throw err;
  } finally {
    clearInterval(ticker);
    rmSync(work, { recursive: true, force: true });
  }
}

/** Returns the path of a runnable `temporal` binary, building it once if needed. */
export async function temporalBinary(): Promise<string> {
  const explicit = process.env.KAIROS_TEMPORAL_BIN;
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`KAIROS_TEMPORAL_BIN=${explicit} does not exist`);
    return explicit;
  }
  const fromPath = onPath('temporal');
  if (fromPath) return fromPath;
  const dir = cacheDir();
  const target = join(dir, 'temporal');
  if (existsSync(target)) return target;
  mkdirSync(dir, { recursive: true });
  await withLock(join(dir, '.lock'), async () => {
    if (!existsSync(target)) await build(target);
  });
  for (const f of [`${target}.tmp-${process.pid}`]) if (existsSync(f)) unlinkSync(f);
  return target;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  temporalBinary().then(
    (p) => console.log(p),
    (err: unknown) => {
      console.error((err as Error).message);
      process.exit(1);
    },
  );
}
