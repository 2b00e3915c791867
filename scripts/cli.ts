// `npx kairos …`: the command line for people who live in a terminal. Thin over the native API: each
// command is one documented operation (COMMAND_OPERATIONS, checked against the OpenAPI document by a
// unit test), authenticated by an API key that `kairos login` creates and keeps in a profile. The
// commands and their options are USAGE below (`kairos --help`). Output: a table for lists, JSON
// otherwise; `-o json|yaml` for any command.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { dirname, extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify as toYaml } from 'yaml';

/** One API operation a command calls (method and OpenAPI path template). */
export interface CommandOperation {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
}

/** Which operation each command calls: the CLI is exactly these calls, and nothing else. */
export const COMMAND_OPERATIONS: Record<string, CommandOperation> = {
  login: { method: 'post', path: '/v1/api-keys' },
  logout: { method: 'delete', path: '/v1/api-keys/{id}' },
  whoami: { method: 'get', path: '/v1/me' },
  'jobs ls': { method: 'get', path: '/v1/jobs' },
  'jobs get': { method: 'get', path: '/v1/jobs/{id}' },
  'jobs run': { method: 'post', path: '/v1/jobs/{id}/run' },
  'jobs pause': { method: 'post', path: '/v1/jobs/{id}/pause' },
  'jobs resume': { method: 'post', path: '/v1/jobs/{id}/resume' },
  'jobs rm': { method: 'delete', path: '/v1/jobs/{id}' },
  'jobs apply': { method: 'post', path: '/v1/jobs/apply' },
  'runs ls': { method: 'get', path: '/v1/runs' },
  'runs get': { method: 'get', path: '/v1/runs/{runId}' },
  'runs stop': { method: 'post', path: '/v1/runs/{runId}/stop' },
  preview: { method: 'post', path: '/v1/triggers/preview' },
};

/** A saved login: where the API is, and the API key `kairos login` created there. */
export interface Profile {
  url: string;
  user: string;
  keyId: string;
  key: string;
}

/** A failure to tell the user (exit code 1, or 2 for a usage mistake); never a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Where profiles live: KAIROS_CLI_CONFIG, else $XDG_CONFIG_HOME/kairos/cli.json, else ~/.config/kairos/cli.json. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KAIROS_CLI_CONFIG) return env.KAIROS_CLI_CONFIG;
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'kairos', 'cli.json');
}

type ProfileFile = { profiles: Record<string, Profile> };

function readProfiles(file: string): ProfileFile {
  if (!existsSync(file)) return { profiles: {} };
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<ProfileFile>;
    return { profiles: parsed.profiles ?? {} };
  } catch (err) {
    throw new CliError(`${file} is not valid JSON (${(err as Error).message}); fix or delete it`);
  }
}

/** Writes the profiles file readable by its owner only: it holds API keys. */
function writeProfiles(file: string, data: ProfileFile): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/** An API key with its URL, from the environment (KAIROS_URL + KAIROS_API_KEY) or the profile. */
function credentials(env: NodeJS.ProcessEnv, profile: string): { url: string; key: string } {
  if (env.KAIROS_API_KEY) {
    if (!env.KAIROS_URL) throw new CliError('KAIROS_API_KEY is set but KAIROS_URL is not');
    return { url: env.KAIROS_URL, key: env.KAIROS_API_KEY };
  }
  const p = readProfiles(configPath(env)).profiles[profile];
  if (!p) throw new CliError(`not logged in (profile "${profile}"): run \`kairos login --url URL --user NAME\``);
  return { url: p.url, key: p.key };
}

/** Fills an OpenAPI path template ({id}) with URL-encoded values. */
export function fillPath(template: string, params: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/gu, (_, name: string) => {
    const v = params[name];
    if (v === undefined) throw new CliError(`missing ${name}`, 2);
    return encodeURIComponent(v);
  });
}

interface Call {
  op: CommandOperation;
  params?: Record<string, string>;
  query?: Record<string, string | undefined>;
  body?: unknown;
  /** A raw body (a file) with its content type. */
  raw?: { text: string; type: string };
  auth: string;
}

/** One API call; a non-2xx answer becomes a CliError with the API's message and field details. */
async function call<T>(url: string, c: Call): Promise<T> {
  const u = new URL(fillPath(c.op.path, c.params ?? {}), url.endsWith('/') ? url : `${url}/`);
  for (const [k, v] of Object.entries(c.query ?? {})) if (v !== undefined) u.searchParams.set(k, v);
  const headers: Record<string, string> = { authorization: c.auth, accept: 'application/json' };
  let body: string | undefined;
  if (c.raw) {
    headers['content-type'] = c.raw.type;
    body = c.raw.text;
  } else if (c.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(c.body);
  }
  let res: Response;
  try {
    res = await fetch(u, { method: c.op.method.toUpperCase(), headers, ...(body !== undefined ? { body } : {}), signal: AbortSignal.timeout(60_000) });
  } catch (err) {
    const e = err as Error;
    throw new CliError(`cannot reach ${u.origin}: ${e.cause instanceof Error ? e.cause.message : e.message}`);
  }
  const text = await res.text();
  const json = text ? safeJson(text) : undefined;
  if (!res.ok) {
    const e = (json as { error?: { message?: string; details?: { path: string; message: string }[] } } | undefined)?.error;
    const details = (e?.details ?? []).map((d) => `\n  ${d.path}: ${d.message}`).join('');
    throw new CliError(`${res.status} ${e?.message ?? res.statusText}${details}`);
  }
  return json as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Rows as an aligned text table with the given columns (missing values as "-"). */
export function table(rows: readonly Record<string, unknown>[], columns: readonly string[]): string {
  const cell = (v: unknown): string => {
    const s = v === null || v === undefined ? '' : Array.isArray(v) ? v.join(',') : String(v);
    return s === '' ? '-' : s;
  };
  const cells = rows.map((r) => columns.map((c) => cell(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]?.length ?? 0)));
  const line = (vals: readonly string[]) => vals.map((v, i) => (i === vals.length - 1 ? v : v.padEnd(widths[i] ?? 0))).join('  ');
  return [line(columns.map((c) => c.toUpperCase())), ...cells.map(line)].join('\n');
}

const USAGE = `usage: kairos <command> [options]
  login --url URL --user NAME [--password-stdin] [--profile NAME]   create an API key and keep it in a profile
  logout [--profile NAME]                                           delete the profile's API key and forget it
  whoami
  jobs ls [--q TEXT] [--type T] [--tag T] [--dialect D] [--owner O] [--enabled true|false] [--limit N]
  jobs get|run|pause|resume|rm ID        (run: [--input JSON])
  jobs apply -f FILE [--dry-run] [--prune]   (FILE .json or .yaml, as GET /v1/jobs/export writes it)
  runs ls [--job ID] [--status S[,S]] [--limit N]
  runs get|stop RUN_ID
  preview "<cron>" [--dialect unix|quartz|dapr|hangfire] [--tz ZONE] [--count N]
options: -o json|yaml (output), --profile NAME (default "default"); KAIROS_URL + KAIROS_API_KEY instead of a profile`;

/** What a command prints, and how: `table` for lists unless -o asks for JSON or YAML. */
type Output = { data: unknown; table?: { rows: Record<string, unknown>[]; columns: string[] } } | { text: string };

function render(out: Output, format: string | undefined): string {
  if ('text' in out) return out.text;
  if (format === 'yaml') return toYaml(out.data).trimEnd();
  if (format === 'json' || !out.table) return JSON.stringify(out.data, null, 2);
  return table(out.table.rows, out.table.columns);
}

/** Reads all of standard input (a password piped with --password-stdin). */
async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  let s = '';
  for await (const chunk of stdin) s += String(chunk);
  return s.replace(/\r?\n$/u, '');
}

/** What a command line runs with: the environment, standard input, and where output goes (tests pass their own). */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadableStream;
  out: (s: string) => void;
}

/** Runs one command line (argv without `node cli.js`); resolves with the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        user: { type: 'string' },
        'password-stdin': { type: 'boolean' },
        profile: { type: 'string', default: 'default' },
        output: { type: 'string', short: 'o' },
        file: { type: 'string', short: 'f' },
        'dry-run': { type: 'boolean' },
        prune: { type: 'boolean' },
        input: { type: 'string' },
        q: { type: 'string' },
        type: { type: 'string' },
        tag: { type: 'string' },
        dialect: { type: 'string' },
        owner: { type: 'string' },
        enabled: { type: 'string' },
        limit: { type: 'string' },
        job: { type: 'string' },
        status: { type: 'string' },
        tz: { type: 'string' },
        count: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    io.out(`kairos: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values: o, positionals: p } = parsed;
  if (o.help || p.length === 0) {
    io.out(USAGE);
    return o.help ? 0 : 2;
  }
  if (o.output !== undefined && !['json', 'yaml', 'table'].includes(o.output)) {
    io.out('kairos: -o must be json, yaml or table');
    return 2;
  }
  const [group, verb, arg] = p;
  const name = group === 'jobs' || group === 'runs' ? `${group} ${verb ?? ''}` : (group ?? '');
  const op = COMMAND_OPERATIONS[name];
  if (!op) {
    io.out(`kairos: unknown command "${p.join(' ')}"\n${USAGE}`);
    return 2;
  }
  const profileName = o.profile ?? 'default';
  try {
    const out = await execute(name, op, { o, arg: group === 'jobs' || group === 'runs' ? arg : verb, profileName, io });
    io.out(render(out, o.output));
    return 0;
  } catch (err) {
    if (err instanceof CliError) {
      io.out(`kairos: ${err.message}`);
      return err.exitCode;
    }
    throw err;
  }
}

type Opts = Record<string, string | boolean | undefined>;

async function execute(name: string, op: CommandOperation, c: { o: Opts; arg: string | undefined; profileName: string; io: CliIo }): Promise<Output> {
  const { o, arg, io } = c;
  const str = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
  const need = (what: string) => {
    if (!arg) throw new CliError(`${name}: missing ${what}`, 2);
    return arg;
  };
  if (name === 'login') return await login(op, str('url'), str('user'), o['password-stdin'] === true, c.profileName, io);
  const creds = credentials(io.env, c.profileName);
  const auth = `Bearer ${creds.key}`;
  const api = <T>(x: Omit<Call, 'op' | 'auth'>) => call<T>(creds.url, { op, auth, ...x });
  switch (name) {
    case 'logout': {
      const file = configPath(io.env);
      const all = readProfiles(file);
      const prof = all.profiles[c.profileName];
      if (!prof) throw new CliError(`no profile "${c.profileName}"`);
      await api({ params: { id: prof.keyId } });
      delete all.profiles[c.profileName];
      writeProfiles(file, all);
      return { text: `logged out of ${prof.url} (API key ${prof.keyId} deleted)` };
    }
    case 'whoami':
      return { data: await api({}) };
    case 'jobs ls': {
      const page = await api<{ items: Record<string, unknown>[] }>({
        query: { q: str('q'), type: str('type'), tag: str('tag'), dialect: str('dialect'), owner: str('owner'), enabled: str('enabled'), limit: str('limit') },
      });
      return { data: page, table: { rows: page.items, columns: ['id', 'name', 'type', 'dialect', 'enabled', 'nextRunAt', 'lastRunAt'] } };
    }
    case 'jobs get':
    case 'jobs pause':
    case 'jobs resume':
      return { data: await api({ params: { id: need('job id') } }) };
    case 'jobs run': {
      const input = str('input');
      let body: unknown = {};
      if (input !== undefined) {
        try {
          body = { input: JSON.parse(input) };
        } catch {
          throw new CliError('--input must be JSON', 2);
        }
      }
      return { data: await api({ params: { id: need('job id') }, body }) };
    }
    case 'jobs rm':
      await api({ params: { id: need('job id') } });
      return { text: `deleted ${arg}` };
    case 'jobs apply': {
      const file = str('file');
      if (!file) throw new CliError('jobs apply: -f FILE is required', 2);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        throw new CliError(`cannot read ${file}: ${(err as Error).message}`);
      }
      const type = ['.yaml', '.yml'].includes(extname(file).toLowerCase()) ? 'application/yaml' : 'application/json';
      const result = await api<{ items?: Record<string, unknown>[] }>({
        query: { dryRun: o['dry-run'] ? 'true' : undefined, prune: o.prune ? 'true' : undefined },
        raw: { text, type },
      });
      return { data: result, ...(Array.isArray(result.items) ? { table: { rows: result.items, columns: ['id', 'action'] } } : {}) };
    }
    case 'runs ls': {
      const page = await api<{ items: Record<string, unknown>[] }>({ query: { jobId: str('job'), status: str('status'), limit: str('limit') } });
      return { data: page, table: { rows: page.items, columns: ['runId', 'jobId', 'status', 'trigger', 'scheduledAt', 'durationMs'] } };
    }
    case 'runs get':
    case 'runs stop':
      return { data: await api({ params: { runId: need('run id') } }) };
    case 'preview': {
      const expression = need('a cron expression');
      const count = str('count');
      const res = await api<{ times: string[] }>({
        body: {
          trigger: { type: 'cron', expression, dialect: str('dialect') ?? 'unix', ...(str('tz') ? { timezone: str('tz') } : {}) },
          ...(count !== undefined ? { count: Number(count) } : {}),
        },
      });
      return { data: res, table: { rows: res.times.map((t) => ({ time: t })), columns: ['time'] } };
    }
  }
  throw new CliError(`unknown command "${name}"`, 2);
}

async function login(op: CommandOperation, url: string | undefined, user: string | undefined, fromStdin: boolean, profileName: string, io: CliIo): Promise<Output> {
  if (!url || !user) throw new CliError('login: --url and --user are required', 2);
  let password = io.env.KAIROS_PASSWORD;
  if (fromStdin) password = await readStdin(io.stdin);
  if (!password) throw new CliError('login: give the password on standard input with --password-stdin (or in KAIROS_PASSWORD)', 2);
  const basic = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const created = await call<{ id: string; key: string }>(url, { op, auth: basic, body: { name: `kairos-cli@${hostname()}`.slice(0, 100) } });
  const file = configPath(io.env);
  const all = readProfiles(file);
  all.profiles[profileName] = { url, user, keyId: created.id, key: created.key };
  writeProfiles(file, all);
  return { text: `logged in to ${url} as ${user} (profile "${profileName}", API key ${created.id}, kept in ${file})` };
}

/** The program: this process's arguments, environment and standard streams. */
export async function main(): Promise<void> {
  process.exitCode = await runCli(process.argv.slice(2), { env: process.env, stdin: process.stdin, out: (s) => process.stdout.write(`${s}\n`) });
}

// Run directly (`node dist/scripts/cli.js …`); scripts/kairos.mjs (npx kairos) calls main().
if (process.argv[1] && /[\\/]cli\.(js|ts)$/u.test(process.argv[1])) await main();
