// The secret store: values in the state store's `secrets` table, encrypted (cipher.ts), who else may
// use them in `secret_shares`, plus the environment, `KAIROS_SECRET_<NAME>`.
//
// Every secret has an owner, and each owner has a name space of their own: the table is keyed by
// owner and name, so user B's PUT of `X` creates B's `X` and never touches A's. The environment's
// secrets, and the entries of a secrets.json written before secrets had owners (version 1, imported
// by legacy.ts), belong to the operator (OPERATOR). An owner may share a secret with named users,
// teams or all users; who may use what is decided in access.ts, not here.
// Only the worker reads values (to resolve `{"$secret": "NAME"}` at run time); the API writes values
// and lists names, and nothing returns a value.
import { KairosError, notFound } from '../errors.ts';
import type { Db } from '../db/open.ts';
import { SECRET_NAME_PATTERN, SECRET_NAME_RULE } from './refs.ts';
import { secretAad, SECRET_KEY_VAR, type SecretCipher } from './cipher.ts';

/** `KAIROS_SECRET_<NAME>`: the operator's secret NAME (but KAIROS_SECRET_KEY, the key). */
export const ENV_PREFIX = 'KAIROS_SECRET_';
/** The largest value (UTF-8 bytes). */
export const MAX_SECRET_BYTES = 64 * 1024;
/**
 * The owner of the environment's secrets and of a version-1 file's entries: the operator, for whom
 * admins act. Not a user id (those start with `usr_`), so no user ever owns these.
 */
export const OPERATOR = 'operator';
/** At most this many users and teams in one secret's share list. */
export const MAX_SHARES = 1000;
/** The `secret_shares.principal_id` that shares a secret with every user. */
export const ALL_USERS = '*';

/** Who a secret is shared with besides its owner. */
export interface Shares {
  all: boolean;
  /** User ids and team ids (`team_…`: every member of the team). */
  users: string[];
}

/** A secret as the API shows it: never its value. */
export interface SecretInfo {
  name: string;
  /** A user id, or OPERATOR. */
  owner: string;
  /** 'file': stored through the API (the name dates from secrets.json); 'env': KAIROS_SECRET_<NAME>. */
  source: 'file' | 'env';
  updatedAt: string | null;
  sharedWith: Shares;
}

/**
 * A secret with its value: what resolution (access.ts) works on. Never leaves the process. A stored
 * secret's value is decrypted when read (it throws if the row does not authenticate), so only the
 * secret a job actually uses is decrypted, and a damaged row of someone else's never shows.
 */
export interface SecretEntry extends SecretInfo {
  readonly value: string;
}

const NO_SHARES: Shares = { all: false, users: [] };

/** Throws a validation error (path `name`) unless `name` is a valid secret name. */
export function checkSecretName(name: string): void {
  if (!SECRET_NAME_PATTERN.test(name)) throw new KairosError('validation', 'invalid secret name', [{ path: 'name', message: SECRET_NAME_RULE }]);
}

function checkSecretValue(value: string): void {
  if (Buffer.byteLength(value, 'utf8') > MAX_SECRET_BYTES) {
    throw new KairosError('validation', 'invalid secret', [{ path: 'value', message: `must be at most ${MAX_SECRET_BYTES} bytes` }]);
  }
}

const byOwnerThenName = (a: SecretInfo, b: SecretInfo) =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : a.source === b.source ? 0 : a.source === 'file' ? -1 : 1;

/** Share rows → Shares (users and teams sorted, as they were stored). */
function sharesOf(rows: readonly string[]): Shares {
  return { all: rows.includes(ALL_USERS), users: rows.filter((p) => p !== ALL_USERS).sort() };
}

/** Shares → the principal ids of their rows. */
export function shareRows(shares: Shares): string[] {
  return [...(shares.all ? [ALL_USERS] : []), ...new Set(shares.users.filter((u) => u !== ALL_USERS))];
}

interface SecretRow {
  owner_id: string;
  name: string;
  ciphertext: string;
  key_id: string;
  updated_at: string;
}

/** A stored secret whose value is decrypted on first read (see SecretEntry). */
class StoredSecret implements SecretEntry {
  readonly source = 'file' as const;
  readonly name: string;
  readonly owner: string;
  readonly updatedAt: string;
  private plain: string | undefined;

  constructor(
    row: SecretRow,
    readonly sharedWith: Shares,
    private readonly cipher: SecretCipher,
    private readonly ciphertext: string,
    private readonly keyId: string,
  ) {
    this.name = row.name;
    this.owner = row.owner_id;
    this.updatedAt = row.updated_at;
  }

  get value(): string {
    if (this.plain === undefined) {
      try {
        this.plain = this.cipher.decrypt(this.ciphertext, secretAad(this.owner, this.name)).toString('utf8');
      } catch (err) {
        // Names the secret, never a byte of it; the job fails instead of running without it.
        const other = this.keyId === this.cipher.keyId ? '' : ` (it was written with key id ${this.keyId}, this process has ${this.cipher.keyId})`;
        throw new KairosError('unavailable', `secret '${this.name}' of ${this.owner} could not be decrypted: ${(err as Error).message}${other}`);
      }
    }
    return this.plain;
  }

  /** What the API shows: never the value (a plain object, so JSON never calls the getter). */
  info(): SecretInfo {
    return { name: this.name, owner: this.owner, source: 'file', updatedAt: this.updatedAt, sharedWith: this.sharedWith };
  }
}

/** The stored secrets (state store, encrypted with `cipher`) and the environment's (`env`). */
export class SecretStore {
  constructor(
    private readonly db: Db,
    private readonly cipher: SecretCipher,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  private envSecrets(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [k, v] of Object.entries(this.env)) {
      // KAIROS_SECRET_KEY is the key to the stored secrets, not a secret named KEY that jobs may use.
      if (!k.startsWith(ENV_PREFIX) || k === SECRET_KEY_VAR || v === undefined) continue;
      const name = k.slice(ENV_PREFIX.length);
      if (SECRET_NAME_PATTERN.test(name)) out.set(name, v);
    }
    return out;
  }

  /** The stored secrets (of these names, when given), with their shares; values still sealed. */
  private async stored(filter: { names?: readonly string[]; owner?: string } = {}): Promise<StoredSecret[]> {
    if (filter.names?.length === 0) return [];
    let rows = this.db.kysely.selectFrom('secrets').select(['owner_id', 'name', 'ciphertext', 'key_id', 'updated_at']);
    let shares = this.db.kysely.selectFrom('secret_shares').select(['owner_id', 'name', 'principal_id']);
    if (filter.names) {
      rows = rows.where('name', 'in', filter.names);
      shares = shares.where('name', 'in', filter.names);
    }
    if (filter.owner !== undefined) {
      rows = rows.where('owner_id', '=', filter.owner);
      shares = shares.where('owner_id', '=', filter.owner);
    }
    const [secretRows, shareRowsFound] = await Promise.all([rows.execute(), shares.execute()]);
    const sharesBySecret = new Map<string, string[]>();
    for (const s of shareRowsFound) {
      const k = JSON.stringify([s.owner_id, s.name]);
      sharesBySecret.set(k, [...(sharesBySecret.get(k) ?? []), s.principal_id]);
    }
    return secretRows.map((r) => new StoredSecret(r, sharesOf(sharesBySecret.get(JSON.stringify([r.owner_id, r.name])) ?? []), this.cipher, r.ciphertext, r.key_id));
  }

  private envEntries(names?: readonly string[]): SecretEntry[] {
    const out: SecretEntry[] = [];
    for (const [name, value] of this.envSecrets()) {
      if (!names || names.includes(name)) out.push({ name, owner: OPERATOR, source: 'env', updatedAt: null, sharedWith: NO_SHARES, value });
    }
    return out;
  }

  /**
   * Every secret with its value (stored ones decrypt when read): each owner's and the environment's
   * (the operator's); only those named `names`, when given. For resolution in the worker and checks
   * at save; callers never pass values on.
   */
  async entries(names?: readonly string[]): Promise<SecretEntry[]> {
    return [...(await this.stored({ names })), ...this.envEntries(names)];
  }

  /** Every secret's metadata, sorted by name then owner; never a value. Filtering is the caller's. */
  async list(): Promise<SecretInfo[]> {
    const stored = (await this.stored()).map((s) => s.info());
    const env = this.envEntries().map(({ name, owner, source, updatedAt, sharedWith }): SecretInfo => ({ name, owner, source, updatedAt, sharedWith }));
    return [...stored, ...env].sort(byOwnerThenName);
  }

  /** One owner's secret; for OPERATOR the stored one wins over the environment's (as before owners). */
  async info(owner: string, name: string): Promise<SecretInfo> {
    checkSecretName(name);
    const [found] = await this.stored({ names: [name], owner });
    if (found) return found.info();
    const env = owner === OPERATOR ? this.envSecrets().has(name) : false;
    if (!env) throw notFound('secret', name);
    return { name, owner: OPERATOR, source: 'env', updatedAt: null, sharedWith: NO_SHARES };
  }

  /** Creates or replaces `owner`'s stored secret (its shares are kept); `created` says which. */
  async put(owner: string, name: string, value: string): Promise<{ info: SecretInfo; created: boolean }> {
    checkSecretName(name);
    checkSecretValue(value);
    // Encrypted before the transaction: nothing but statements runs inside one.
    const ciphertext = this.cipher.encrypt(value, secretAad(owner, name));
    const now = new Date().toISOString();
    const keyId = this.cipher.keyId;
    const created = await this.db.kysely.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('secrets')
        .values({ owner_id: owner, name, ciphertext, key_id: keyId, created_at: now, updated_at: now })
        .onConflict((oc) => oc.columns(['owner_id', 'name']).doNothing())
        .returning('name')
        .executeTakeFirst();
      if (inserted) return true;
      // It existed (another process may have made it a moment ago): replace the value, keep the rest.
      await trx.updateTable('secrets').set({ ciphertext, key_id: keyId, updated_at: now }).where('owner_id', '=', owner).where('name', '=', name).execute();
      return false;
    });
    return { info: await this.info(owner, name), created };
  }

  /** Replaces who `owner`'s stored secret is shared with (no one: `{all: false, users: []}`). */
  async share(owner: string, name: string, shares: Shares): Promise<SecretInfo> {
    checkSecretName(name);
    const rows = shareRows(shares);
    const found = await this.db.kysely.transaction().execute(async (trx) => {
      const exists = await trx.selectFrom('secrets').select('name').where('owner_id', '=', owner).where('name', '=', name).executeTakeFirst();
      if (!exists) return false;
      await trx.deleteFrom('secret_shares').where('owner_id', '=', owner).where('name', '=', name).execute();
      if (rows.length > 0) await trx.insertInto('secret_shares').values(rows.map((principal_id) => ({ owner_id: owner, name, principal_id }))).execute();
      return true;
    });
    if (!found) throw this.missing(owner, name);
    return await this.info(owner, name);
  }

  async delete(owner: string, name: string): Promise<void> {
    checkSecretName(name);
    const deleted = await this.db.kysely.transaction().execute(async (trx) => {
      await trx.deleteFrom('secret_shares').where('owner_id', '=', owner).where('name', '=', name).execute();
      const r = await trx.deleteFrom('secrets').where('owner_id', '=', owner).where('name', '=', name).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    });
    if (!deleted) throw this.missing(owner, name);
  }

  /** The teams `userId` is a member of (team_members), for team shares. */
  async teamsOf(userId: string): Promise<Set<string>> {
    const rows = await this.db.kysely.selectFrom('team_members').select('team_id').where('user_id', '=', userId).execute();
    return new Set(rows.map((r) => r.team_id));
  }

  /** Which of `ids` are users or teams in the state store's principals. */
  async knownPrincipals(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db.kysely.selectFrom('principals').select('id').where('id', 'in', [...new Set(ids)]).execute();
    return new Set(rows.map((r) => r.id));
  }

  private missing(owner: string, name: string): KairosError {
    if (owner === OPERATOR && this.envSecrets().has(name)) {
      return new KairosError('conflict', `secret '${name}' comes from the environment (${ENV_PREFIX}${name}); change it there`);
    }
    return notFound('secret', name);
  }
}
