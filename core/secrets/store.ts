// The secret store: values in `<dataDir>/secrets.json` (a LockedJsonFile: mode 0600, written
// atomically under a lock file so several API processes may share the data dir) plus the
// environment, `KAIROS_SECRET_<NAME>`.
// The file wins over the environment, so a PUT through the API takes effect on the next run.
// Only the worker reads values (to resolve `{"$secret": "NAME"}` at run time); the API writes values
// and lists names, and nothing returns a value.
import { z } from 'zod';
import { KairosError, notFound } from '../errors.ts';
import { LockedJsonFile } from '../files/locked-json.ts';
import { SECRET_NAME_PATTERN, SECRET_NAME_RULE } from './refs.ts';
import { own } from '../objects/own.ts';

export const SECRETS_FILE = 'secrets.json';
export const ENV_PREFIX = 'KAIROS_SECRET_';
export const MAX_SECRET_BYTES = 64 * 1024;

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

export function checkSecretName(name: string): void {
  if (!SECRET_NAME_PATTERN.test(name)) throw new KairosError('validation', 'invalid secret name', [{ path: 'name', message: SECRET_NAME_RULE }]);
}

export class SecretStore {
  readonly file: string;
  private readonly doc: LockedJsonFile<FileData>;

  constructor(
    dataDir: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
    lockTimeoutMs = 10_000,
  ) {
    // A malformed file is reported without its bad fields: their paths would name the secrets.
    this.doc = new LockedJsonFile(dataDir, SECRETS_FILE, FileSchema, () => ({ version: 1, secrets: {} }), { lockTimeoutMs, label: 'secret store', indent: 2 });
    this.file = this.doc.file;
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
    const file = await this.doc.shared();
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
    for (const [name, s] of Object.entries((await this.doc.shared()).secrets)) out.set(name, s.value);
    return out;
  }

  /** Creates or replaces a secret in the file; `created` says which. */
  async put(name: string, value: string): Promise<{ info: SecretInfo; created: boolean }> {
    checkSecretName(name);
    if (Buffer.byteLength(value, 'utf8') > MAX_SECRET_BYTES) {
      throw new KairosError('validation', 'invalid secret', [{ path: 'value', message: `must be at most ${MAX_SECRET_BYTES} bytes` }]);
    }
    return await this.doc.update((data) => {
      const created = own(data.secrets, name) === undefined;
      const updatedAt = new Date().toISOString();
      data.secrets[name] = { value, updatedAt };
      return { info: { name, source: 'file' as const, updatedAt }, created };
    });
  }

  async delete(name: string): Promise<void> {
    checkSecretName(name);
    await this.doc.update((data) => {
      if (own(data.secrets, name) === undefined) {
        if (this.envSecrets().has(name)) {
          throw new KairosError('conflict', `secret '${name}' comes from the environment (${ENV_PREFIX}${name}); remove it there`);
        }
        throw notFound('secret', name);
      }
      delete data.secrets[name];
    });
  }
}
