// Provides the `temporal` CLI binary (dev server + Web UI). Order: KAIROS_TEMPORAL_BIN, a `temporal`
// on PATH, then a cached build of a pinned CLI version from the Go module proxy. Also provides the
// PostgreSQL-backed cluster's files (temporalServerFiles): `temporal-server` and `temporal-sql-tool`
// built from go.temporal.io/server at the version the CLI embeds, plus that module's schema files.
// Both builds share the cache, lock and progress code (goBuild).
//
// Why a wrapper module: the CLI's go.mod says `replace .../cliext => ./cliext`, and module zips
// never contain nested modules, so `go install github.com/temporalio/cli/cmd/temporal@vX` refuses.
// We build from a throwaway module that requires the CLI and points cliext at the pseudo-version of
// the same commit, which the module proxy serves.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, cpSync, existsSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';

export const TEMPORAL_CLI_VERSION = 'v1.8.2';
/** Pseudo-version of github.com/temporalio/cli/cliext at the commit tagged v1.8.2. */
const CLIEXT_PSEUDO_VERSION = 'v0.0.0-20260731000218-c579925f193f';

/**
 * The go.temporal.io/server version the CLI embeds (its go.mod's requirement): the cluster runs the
 * same server as the dev server, so tests against either see the same behaviour.
 */
export const TEMPORAL_SERVER_VERSION = 'v1.31.2';

function cacheBase(): string {
  return process.env.KAIROS_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kairos');
}

/** Where the CLI build of TEMPORAL_CLI_VERSION is cached. */
export function cacheDir(): string {
  return join(cacheBase(), 'temporal', TEMPORAL_CLI_VERSION);
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

/** Runs Go in the scratch module; resolves with its stdout. */
type GoRunner = (args: string[], env?: NodeJS.ProcessEnv) => Promise<string>;

/** One build from the module proxy: a throwaway module that requires what to build, then `go build`. */
interface GoBuildSpec {
  /** What is built, for progress lines ("Temporal CLI v1.8.2"). */
  what: string;
  /** The cache directory the results go to (the scratch module is made beside them). */
  dir: string;
  /** Lines of the scratch module's go.mod after its `module` and `go` lines. */
  goModLines: string[];
  /** Main packages to build: imported by a tools.go so that `go mod tidy` resolves them. */
  packages: string[];
  /** Moves the built binaries (in `out`, named after each package's last path element) into `dir`. */
  install(out: string, go: GoRunner): Promise<void>;
}

/** How far a compile is: packages compiled of those Go has to compile (`go list -deps` of the stale ones). */
export class CompileProgress {
  private readonly pending: Set<string>;
  readonly total: number;
  done = 0;

  constructor(stalePackages: string[]) {
    this.pending = new Set(stalePackages.filter((p) => p.trim() !== ''));
    this.total = this.pending.size;
  }

  /** A line of `go build -v` (it names each package as it compiles it). */
  saw(line: string): void {
    if (this.pending.delete(line.trim())) this.done += 1;
  }

  /** "812/2345 packages (35%)". */
  toString(): string {
    return `${this.done}/${this.total} packages (${this.total === 0 ? 100 : Math.floor((this.done / this.total) * 100)}%)`;
  }
}

/** Builds once under the cache dir's lock, printing progress (packages compiled of the total) every 15 s and Go's last lines on failure. */
async function goBuild(spec: GoBuildSpec): Promise<void> {
  const go = goBinary();
  const work = join(spec.dir, `.build-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  writeFileSync(join(work, 'go.mod'), ['module kairos.local/temporal-build', '', 'go 1.26', '', ...spec.goModLines, ''].join('\n'));
  writeFileSync(join(work, 'tools.go'), `//go:build tools\n\npackage tools\n\n${spec.packages.map((p) => `import _ "${p}"`).join('\n')}\n`);
  const started = Date.now();
  const tail: string[] = [];
  let phase = 'resolving modules';
  let progress: CompileProgress | undefined;
  const ticker = setInterval(() => log(`${phase}${progress ? `: ${progress.toString()}` : ''}… ${Math.round((Date.now() - started) / 1000)}s elapsed`), 15_000);
  const run: GoRunner = (args, env = {}) =>
    new Promise<string>((resolve, reject) => {
      const child = spawn(go, args, { cwd: work, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      const keep = (chunk: Buffer) => {
        for (const line of chunk.toString().split('\n')) {
          if (!line.trim()) continue;
          tail.push(line);
          if (tail.length > 40) tail.shift();
          if (line.startsWith('go: downloading')) phase = `downloading modules (${line.slice(16)})`;
          else progress?.saw(line);
        }
      };
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        keep(chunk);
      });
      child.stderr.on('data', keep);
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`go ${args.join(' ')} exited ${code}`))));
    });
  try {
    log(`building ${spec.what} with ${go} (minutes on a small machine; cached afterwards in ${spec.dir})`);
    await run(['mod', 'tidy'], { GOFLAGS: '-mod=mod' });
    // What the build will compile (the packages not in Go's build cache), so that progress is a fraction.
    phase = 'listing the packages to compile';
    const stale = await run(['list', '-trimpath', '-deps', '-f', '{{if .Stale}}{{.ImportPath}}{{end}}', ...spec.packages], { CGO_ENABLED: '0' });
    progress = new CompileProgress(stale.split('\n'));
    phase = `compiling ${spec.what} (the Temporal server is large)`;
    log(`${phase}: ${progress.total} packages to compile`);
    const out = join(work, 'out');
    await run(['build', '-v', '-trimpath', '-o', `${out}/`, ...spec.packages], { CGO_ENABLED: '0' });
    progress = undefined;
    phase = `installing ${spec.what}`;
    await spec.install(out, run);
    log(`built ${spec.what} in ${Math.round((Date.now() - started) / 1000)}s → ${spec.dir}`);
  } catch (err) {
    log(`build failed: ${(err as Error).message}\n--- last lines of Go's output ---\n${tail.join('\n')}`);
    throw err;
  } finally {
    clearInterval(ticker);
    rmSync(work, { recursive: true, force: true });
  }
}

/** Builds into the cache under its lock unless `done()` already holds (another process may have built it meanwhile). */
async function cachedBuild(spec: GoBuildSpec, done: () => boolean): Promise<void> {
  if (done()) return;
  mkdirSync(spec.dir, { recursive: true });
  await withLock(join(spec.dir, '.lock'), async () => {
    if (!done()) await goBuild(spec);
  });
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
  await cachedBuild(
    {
      what: `Temporal CLI ${TEMPORAL_CLI_VERSION}`,
      dir,
      goModLines: [
        `require github.com/temporalio/cli ${TEMPORAL_CLI_VERSION}`,
        '',
        `replace github.com/temporalio/cli/cliext => github.com/temporalio/cli/cliext ${CLIEXT_PSEUDO_VERSION}`,
      ],
      packages: ['github.com/temporalio/cli/cmd/temporal'],
      install: async (out) => renameSync(join(out, 'temporal'), target), // atomic: a concurrent reader sees no binary or a whole one
    },
    () => existsSync(target),
  );
  return target;
}

/** The binaries and schema files of a PostgreSQL-backed Temporal cluster (scripts/temporal-cluster.ts). */
export interface TemporalServerFiles {
  /** `temporal-server`: runs one or more of the frontend, history, matching and worker services. */
  server: string;
  /** `temporal-sql-tool`: creates and upgrades the databases' schemas. */
  sqlTool: string;
  /** `…/schema/postgresql/v12`, holding `temporal/versioned` and `visibility/versioned`. */
  schemaDir: string;
}

function serverFilesIn(dir: string): TemporalServerFiles {
  return { server: join(dir, 'temporal-server'), sqlTool: join(dir, 'temporal-sql-tool'), schemaDir: join(dir, 'schema', 'postgresql', 'v12') };
}

const serverFilesComplete = (f: TemporalServerFiles) => [f.server, f.sqlTool, join(f.schemaDir, 'temporal', 'versioned'), join(f.schemaDir, 'visibility', 'versioned')].every((p) => existsSync(p));

/** Where the server build of TEMPORAL_SERVER_VERSION is cached. */
export function serverCacheDir(): string {
  return join(cacheBase(), 'temporal', `server-${TEMPORAL_SERVER_VERSION}`);
}

/** Makes a copied tree writable again (module cache files are read-only), so that it can be replaced or deleted. */
function makeWritable(path: string): void {
  chmodSync(path, statSync(path).isDirectory() ? 0o755 : 0o644);
  if (statSync(path).isDirectory()) for (const name of readdirSync(path)) makeWritable(join(path, name));
}

/**
 * Returns `temporal-server`, `temporal-sql-tool` and the PostgreSQL schema files: from
 * KAIROS_TEMPORAL_SERVER_DIR (e.g. an unpacked Temporal server release with a `schema` dir copied in)
 * or a cached build of go.temporal.io/server at the version the CLI embeds, built once under a lock.
 * The schema files are copied out of the module cache, so the cluster does not depend on it later.
 */
export async function temporalServerFiles(): Promise<TemporalServerFiles> {
  const explicit = process.env.KAIROS_TEMPORAL_SERVER_DIR;
  if (explicit) {
    const files = serverFilesIn(explicit);
    if (!serverFilesComplete(files)) {
      throw new Error(`KAIROS_TEMPORAL_SERVER_DIR=${explicit} must hold temporal-server, temporal-sql-tool and schema/postgresql/v12/{temporal,visibility}/versioned`);
    }
    return files;
  }
  const dir = serverCacheDir();
  const files = serverFilesIn(dir);
  await cachedBuild(
    {
      what: `Temporal server ${TEMPORAL_SERVER_VERSION} (temporal-server, temporal-sql-tool)`,
      dir,
      goModLines: [`require go.temporal.io/server ${TEMPORAL_SERVER_VERSION}`],
      packages: ['go.temporal.io/server/cmd/server', 'go.temporal.io/server/cmd/tools/sql'],
      install: async (out, go) => {
        const moduleDir = (await go(['list', '-m', '-f', '{{.Dir}}', 'go.temporal.io/server'])).trim();
        const schemaTmp = join(dir, `.schema-${process.pid}`);
        rmSync(schemaTmp, { recursive: true, force: true });
        cpSync(join(moduleDir, 'schema', 'postgresql', 'v12'), join(schemaTmp, 'postgresql', 'v12'), { recursive: true });
        makeWritable(schemaTmp);
        rmSync(join(dir, 'schema'), { recursive: true, force: true });
        renameSync(schemaTmp, join(dir, 'schema'));
        renameSync(join(out, 'sql'), files.sqlTool);
        renameSync(join(out, 'server'), files.server); // last: its presence (with the rest) marks a whole build
      },
    },
    () => serverFilesComplete(files),
  );
  return files;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  // `tsx scripts/temporal-bin.ts` prints the CLI's path; `… server` the cluster's files.
  const wanted = process.argv[2] === 'server' ? temporalServerFiles().then((f) => Object.values(f).join('\n')) : temporalBinary();
  wanted.then(
    (p) => console.log(p),
    (err: unknown) => {
      console.error((err as Error).message);
      process.exit(1);
    },
  );
}
