// The secret store: values in `<dataDir>/secrets.json` (a LockedJsonFile: mode 0600, written
// atomically under a lock file so several API processes may share the data dir) plus the
// environment, `KAIROS_SECRET_<NAME>`.
//
// Every secret has an owner, and each owner has a name space of their own: the file is keyed by
// owner, then by name, so user B's PUT of `X` creates B's `X` and never touches A's. The
// environment's secrets, and the entries of a file written before secrets had owners (version 1),
// belong to the operator (OPERATOR). An owner may share a secret with named users or with all users;
// who may use what is decided in access.ts, not here.
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
/**
 * The owner of the environment's secrets and of a version-1 file's entries: the operator, for whom
 * admins act. Not a user id (those start with `usr_`), so no user ever owns these.
 */
export const OPERATOR = 'operator';
/** At most this many users in one secret's share list. */
export const MAX_SHARES = 1000;

/** Who a secret is shared with besides its owner. */
export interface Shares {
  all: boolean;
  users: string[];
}

export interface SecretInfo {
  name: string;
  /** A user id, or OPERATOR. */
  owner: string;
  source: 'file' | 'env';
  updatedAt: string | null;
  sharedWith: Shares;
}

/** A secret with its value: what resolution (access.ts) works on. Never leaves the process. */
export interface SecretEntry extends SecretInfo {
  value: string;
}

const SharesSchema = z.object({ all: z.boolean(), users: z.array(z.string()) });
const EntrySchema = z.object({ value: z.string(), updatedAt: z.string(), sharedWith: SharesSchema.optional() });
type Entry = z.infer<typeof EntrySchema>;
const V2Schema = z.object({ version: z.literal(2), owners: z.record(z.string(), z.record(z.string(), EntrySchema)) });
type FileData = z.infer<typeof V2Schema>;
// Before owners (version 1), only admins could write secrets: the entries become the operator's,
// usable by admins' jobs as before and by nobody else's. The next write stores version 2.
const V1Schema = z
  .object({ version: z.literal(1), secrets: z.record(z.string(), z.object({ value: z.string(), updatedAt: z.string() })) })
  .transform((v1): FileData => ({ version: 2, owners: Object.keys(v1.secrets).length ? { [OPERATOR]: v1.secrets } : {} }));
const FileSchema: z.ZodType<FileData> = z.union([V2Schema, V1Schema]);

const NO_SHARES: Shares = { all: false, users: [] };

export function checkSecretName(name: string): void {
  if (!SECRET_NAME_PATTERN.test(name)) throw new KairosError('validation', 'invalid secret name', [{ path: 'name', message: SECRET_NAME_RULE }]);
}

const byOwnerThenName = (a: SecretInfo, b: SecretInfo) =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : a.source === b.source ? 0 : a.source === 'file' ? -1 : 1;

export class SecretStore {
  readonly file: string;
  private readonly doc: LockedJsonFile<FileData>;

  constructor(
    dataDir: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
    lockTimeoutMs = 10_000,
  ) {
    // A malformed file is reported without its bad fields: their paths would name the secrets.
    this.doc = new LockedJsonFile(dataDir, SECRETS_FILE, FileSchema, () => ({ version: 2, owners: {} }), { lockTimeoutMs, label: 'secret store', indent: 2 });
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

  /**
   * Every secret with its value: the file's (each owner's) and the environment's (the operator's).
   * For resolution in the worker and for checks at save; callers never pass values on.
   */
  async entries(): Promise<SecretEntry[]> {
    const file = await this.doc.shared();
    const out: SecretEntry[] = [];
    for (const [owner, secrets] of Object.entries(file.owners)) {
      for (const [name, s] of Object.entries(secrets)) out.push({ name, owner, source: 'file', updatedAt: s.updatedAt, sharedWith: s.sharedWith ?? NO_SHARES, value: s.value });
    }
    for (const [name, value] of this.envSecrets()) out.push({ name, owner: OPERATOR, source: 'env', updatedAt: null, sharedWith: NO_SHARES, value });
    return out;
  }

  /** Every secret's metadata, sorted by name then owner; never a value. Filtering is the caller's. */
  async list(): Promise<SecretInfo[]> {
    return (await this.entries()).map(info).sort(byOwnerThenName);
  }

  /** One owner's secret; for OPERATOR the file's entry wins over the environment's (as before owners). */
  async info(owner: string, name: string): Promise<SecretInfo> {
    checkSecretName(name);
    const found = (await this.list()).find((s) => s.owner === owner && s.name === name);
    if (!found) throw notFound('secret', name);
    return found;
  }

  /** Creates or replaces `owner`'s secret in the file (its shares are kept); `created` says which. */
  async put(owner: string, name: string, value: string): Promise<{ info: SecretInfo; created: boolean }> {
    checkSecretName(name);
    if (Buffer.byteLength(value, 'utf8') > MAX_SECRET_BYTES) {
      throw new KairosError('validation', 'invalid secret', [{ path: 'value', message: `must be at most ${MAX_SECRET_BYTES} bytes` }]);
    }
    return await this.doc.update((data) => {
      const secrets = ownerSpace(data, owner);
      const before = own(secrets, name);
      const updatedAt = new Date().toISOString();
      const entry: Entry = { value, updatedAt, ...(before?.sharedWith ? { sharedWith: before.sharedWith } : {}) };
      setOwn(secrets, name, entry);
      return { info: fileInfo(owner, name, entry), created: before === undefined };
    });
  }

  /** Replaces who `owner`'s file secret is shared with (no one: `{all: false, users: []}`). */
  async share(owner: string, name: string, shares: Shares): Promise<SecretInfo> {
    checkSecretName(name);
    const users = [...new Set(shares.users)].sort();
    return await this.doc.update((data) => {
      const entry = own(own(data.owners, owner), name);
      if (entry === undefined) throw this.missing(owner, name);
      if (shares.all || users.length > 0) entry.sharedWith = { all: shares.all, users };
      else delete entry.sharedWith;
      return fileInfo(owner, name, entry);
    });
  }

  async delete(owner: string, name: string): Promise<void> {
    checkSecretName(name);
    await this.doc.update((data) => {
      const secrets = own(data.owners, owner);
      if (secrets === undefined || own(secrets, name) === undefined) throw this.missing(owner, name);
      delete secrets[name];
      if (Object.keys(secrets).length === 0) delete data.owners[owner];
    });
  }

  private missing(owner: string, name: string): KairosError {
    if (owner === OPERATOR && this.envSecrets().has(name)) {
      return new KairosError('conflict', `secret '${name}' comes from the environment (${ENV_PREFIX}${name}); change it there`);
    }
    return notFound('secret', name);
  }
}

/** defineProperty, not assignment: a key such as "__proto__" must be a key, not a prototype. */
function setOwn<T>(rec: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(rec, key, { value, enumerable: true, writable: true, configurable: true });
}

function ownerSpace(data: FileData, owner: string): Record<string, Entry> {
  const existing = own(data.owners, owner);
  if (existing) return existing;
  const created: Record<string, Entry> = {};
  setOwn(data.owners, owner, created);
  return created;
}

function fileInfo(owner: string, name: string, e: Entry): SecretInfo {
  return { name, owner, source: 'file', updatedAt: e.updatedAt, sharedWith: e.sharedWith ?? NO_SHARES };
}

function info(e: SecretEntry): SecretInfo {
  return { name: e.name, owner: e.owner, source: e.source, updatedAt: e.updatedAt, sharedWith: e.sharedWith };
}
