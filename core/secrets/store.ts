// The secret store: values in `<dataDir>/secrets.json` (mode 0600, written atomically under a lock
// file so several API processes may share the data dir) plus the environment, `KAIROS_SECRET_<NAME>`.
// The file wins over the environment, so a PUT through the API takes effect on the next run.
// Only the worker reads values (to resolve `{"$secret": "NAME"}` at run time); the API writes values
// and lists names, and nothing returns a value.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { KairosError, notFound, unavailable } from '../errors.ts';
import { SECRET_NAME_PATTERN, SECRET_NAME_RULE } from './refs.ts';

export const SECRETS_FILE = 'secrets.json';
export const ENV_PREFIX = 'KAIROS_SECRET_';
export const MAX_SECRET_BYTES = 64 * 1024;
const LOCK_STALE_MS = 30_000;

export interface SecretInfo {
  name: string;
  source: 'file' | 'env';
  updatedAt: string | null;
}

const FileSchema = z.object({
  version: z.literal(1),
  secrets: z.record(z.string(), z.object({ value: z.string(), updatedAt: z.string() })),
});
type FileData = z.infer<typeof FileSchema>;

const isErrno = (err: unknown, code: string) => (err as NodeJS.ErrnoException | null)?.code === code;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function checkSecretName(name: string): void {
  if (!SECRET_NAME_PATTERN.test(name)) throw new KairosError('validation', 'invalid secret name', [{ path: 'name', message: SECRET_NAME_RULE }]);
}

export class SecretStore {
  readonly file: string;
  private readonly lockFile: string;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly dataDir: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly lockTimeoutMs = 10_000,
  ) {
    this.file = join(dataDir, SECRETS_FILE);
    this.lockFile = `${this.file}.lock`;
  }

  private async read(): Promise<FileData> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return { version: 1, secrets: {} };
      throw err;
    }
    const parsed = FileSchema.safeParse(JSON.parse(text));
    // Never echo the file (it holds values): name the problem only.
    if (!parsed.success) throw new Error(`${this.file} is not a valid secrets file`);
    return parsed.data;
  }

  private envSecrets(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [k, v] of Object.entries(this.env)) {
      if (!k.startsWith(ENV_PREFIX) || v === undefined) continue;
      const name = k.slice(ENV_PREFIX.length);
      if (SECRET_NAME_PATTERN.test(name)) out.set(name, v);
    }
    return out;
  }

  /** Every secret name with where it comes from; never a value. */
  async list(): Promise<SecretInfo[]> {
    const file = await this.read();
    const out = new Map<string, SecretInfo>();
    for (const name of this.envSecrets().keys()) out.set(name, { name, source: 'env', updatedAt: null });
    for (const [name, s] of Object.entries(file.secrets)) out.set(name, { name, source: 'file', updatedAt: s.updatedAt });
    return [...out.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async info(name: string): Promise<SecretInfo> {
    checkSecretName(name);
    const found = (await this.list()).find((s) => s.name === name);
    if (!found) throw notFound('secret', name);
    return found;
  }

  /** name → value, for resolving references at run time (worker only). */
  async values(): Promise<Map<string, string>> {
    const out = this.envSecrets();
    for (const [name, s] of Object.entries((await this.read()).secrets)) out.set(name, s.value);
    return out;
  }

  /** Creates or replaces a secret in the file; `created` says which. */
  async put(name: string, value: string): Promise<{ info: SecretInfo; created: boolean }> {
    checkSecretName(name);
    if (Buffer.byteLength(value, 'utf8') > MAX_SECRET_BYTES) {
      throw new KairosError('validation', 'invalid secret', [{ path: 'value', message: `must be at most ${MAX_SECRET_BYTES} bytes` }]);
    }
    return await this.change(async (data) => {
      const created = data.secrets[name] === undefined;
      const updatedAt = new Date().toISOString();
      data.secrets[name] = { value, updatedAt };
      return { info: { name, source: 'file' as const, updatedAt }, created };
    });
  }

  async delete(name: string): Promise<void> {
    checkSecretName(name);
    await this.change(async (data) => {
      if (data.secrets[name] === undefined) {
        if (this.envSecrets().has(name)) {
          throw new KairosError('conflict', `secret '${name}' comes from the environment (${ENV_PREFIX}${name}); remove it there`);
        }
        throw notFound('secret', name);
      }
      delete data.secrets[name];
    });
  }

  /** Read-modify-write under this process's queue and the cross-process lock file. */
  private async change<T>(fn: (data: FileData) => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      await mkdir(this.dataDir, { recursive: true });
      await this.lock();
      try {
        const data = await this.read();
        const out = await fn(data);
        await this.write(data);
        return out;
      } finally {
        await unlink(this.lockFile).catch(() => {});
      }
    });
    this.queue = run.catch(() => {});
    return await run;
  }

  private async lock(): Promise<void> {
    const deadline = Date.now() + this.lockTimeoutMs;
    for (;;) {
      try {
        const fh = await open(this.lockFile, 'wx', 0o600);
        await fh.close();
        return;
      } catch (err) {
        if (!isErrno(err, 'EEXIST')) throw err;
      }
      const st = await stat(this.lockFile).catch(() => undefined);
      if (st && Date.now() - st.mtimeMs > LOCK_STALE_MS) {
        await unlink(this.lockFile).catch(() => {});
        continue;
      }
      if (Date.now() > deadline) throw unavailable('the secret store is locked by another process; try again');
      await sleep(25);
    }
  }

  private async write(data: FileData): Promise<void> {
    const tmp = `${this.file}.${randomBytes(6).toString('hex')}.tmp`;
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(JSON.stringify(data, null, 2));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.file);
  }
}
