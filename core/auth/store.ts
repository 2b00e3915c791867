// The credential store: users and API keys in `<dataDir>/auth.json`.
//
// Several API processes may share a data dir, so the file is the truth: it is a LockedJsonFile
// (core/files/locked-json.ts): every read re-checks the file's identity (inode, size, mtime) and
// reloads when it changed, and every change is made under an exclusive lock file
// (`auth.json.lock`), re-reading the file first and writing it atomically (temp file, fsync,
// rename; mode 0600). The lookup indexes are rebuilt only when the file changed, as authentication
// runs on every request. Only hashes are stored: scrypt for passwords, SHA-256 for API keys (which
// doubles as the O(1) lookup index).
//
// Each user has a credential version, a counter that every change of what its login tokens vouch
// for (password, role, an explicit revocation) bumps. A token carries the version it was issued at
// (core/auth/tokens.ts) and is accepted only while the user still has it, so those changes end the
// tokens already issued; checking costs a map lookup in the snapshot every request refreshes anyway.
import { createHmac, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Config } from '../config.ts';
import { KairosError } from '../errors.ts';
import { LockedJsonFile } from '../files/locked-json.ts';
import {
  API_KEY_PATTERN,
  API_KEY_PREFIX_LENGTH,
  generateApiKey,
  generatePassword,
  hashApiKey,
  hashPassword,
  needsRehash,
  safeEqual,
  verifyPassword,
} from './hash.ts';
import { LoginThrottle } from './throttle.ts';
import type { Principal as AccessPrincipal } from '../access/policy.ts';

export type Role = 'admin' | 'user';
export const ROLES = ['admin', 'user'] as const satisfies readonly Role[];

/**
 * Who made a request: the access policy's principal (core/access/policy.ts) and how it logged in.
 * For an API key, `id`/`name` are its owner's and `keyId` is the key's.
 */
export interface Principal extends AccessPrincipal {
  name: string;
  role: Role;
  /** `token`: a login token a dialect issued (core/auth/tokens.ts). */
  via: 'basic' | 'apikey' | 'token';
  keyId?: string;
}

export interface UserRecord {
  id: string;
  username: string;
  role: Role;
  passwordHash: string;
  createdAt: string;
  /**
   * Bumped when the password or role changes or the user's tokens are revoked; a login token is
   * good only while it matches. Absent in files written before it existed, which means 0.
   */
  credentialVersion?: number;
}

export interface ApiKeyRecord {
  id: string;
  name: string;
  /** user id */
  ownerId: string;
  role: Role;
  /** `sha256$…` of the whole key */
  keyHash: string;
  /** `kairos_` and the first 8 characters of the secret part, for display */
  prefix: string;
  createdAt: string;
  lastUsedAt?: string;
}

/** What the API may show: never a hash (nor the credential version, an internal detail of tokens). */
export type PublicUser = Omit<UserRecord, 'passwordHash' | 'credentialVersion'>;
export type PublicApiKey = Omit<ApiKeyRecord, 'keyHash'>;
/** Returned once, at creation: the only time the plaintext key exists outside the caller. */
export type CreatedApiKey = PublicApiKey & { key: string };

/** A password check for issuing a login token: the user and the credential version the token gets. */
export interface LoginResult {
  principal: Principal;
  credentialVersion: number;
}

/** Whether a login token's user (`sub`) and credential version are still current. */
export type TokenSubjectCheck = { ok: true; principal: Principal } | { ok: false; reason: 'unknown_user' | 'revoked' };

export type BootstrapResult =
  /** No user existed; the admin was created. `password` is set only when generated (print it once). */
  | { action: 'created'; username: string; generated: true; password: string }
  | { action: 'created'; username: string; generated: false }
  /** KAIROS_ADMIN_USER/PASSWORD are set and the user existed with another password or role; it now matches. */
  | { action: 'updated'; username: string; generated: false }
  /** Nothing to do. */
  | { action: 'unchanged'; username?: string; generated: false };

export const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$/;
export const USERNAME_RULE = 'must be 1-64 characters: letters, digits and . _ @ + - (not first)';
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 1024;
export const KEY_NAME_MAX = 100;

export interface AuthStoreOptions {
  /** Clock in ms, for tests. */
  now?: () => number;
  /** How long a successful password check is remembered (default 60 s; 0 disables). */
  passwordCacheTtlMs?: number;
  /** Failed-login throttling (default: KAIROS_LOGIN_* defaults, see core/auth/throttle.ts). */
  throttle?: LoginThrottle;
  /** `lastUsedAt` of a key is persisted at most this often (default 60 s). */
  lastUsedResolutionMs?: number;
  /** How long to wait for another process's lock before failing with 'unavailable' (default 10 s). */
  lockTimeoutMs?: number;
}

const STORE_FILE = 'auth.json';
const PASSWORD_CACHE_MAX = 10_000;

const RoleSchema = z.enum(ROLES);
const FileSchema: z.ZodType<FileData> = z.object({
  version: z.literal(1),
  users: z.array(
    z.object({
      id: z.string().min(1),
      username: z.string().min(1),
      role: RoleSchema,
      passwordHash: z.string().min(1),
      createdAt: z.string(),
      // Optional: files written before tokens were bound to it must still load (absent = 0).
      credentialVersion: z.number().int().nonnegative().optional(),
    }),
  ),
  apiKeys: z.array(
    z.object({
      id: z.string().min(1),
      name: z.string(),
      ownerId: z.string().min(1),
      role: RoleSchema,
      keyHash: z.string().min(1),
      prefix: z.string(),
      createdAt: z.string(),
      lastUsedAt: z.string().optional(),
    }),
  ),
});

interface FileData {
  version: 1;
  users: UserRecord[];
  apiKeys: ApiKeyRecord[];
}

interface Snapshot {
  data: Readonly<FileData>;
  usersById: Map<string, UserRecord>;
  usersByName: Map<string, UserRecord>;
  keysByHash: Map<string, ApiKeyRecord>;
  keysById: Map<string, ApiKeyRecord>;
}

function snapshot(data: Readonly<FileData>): Snapshot {
  return {
    data,
    usersById: new Map(data.users.map((u) => [u.id, u])),
    usersByName: new Map(data.users.map((u) => [u.username, u])),
    keysByHash: new Map(data.apiKeys.map((k) => [k.keyHash, k])),
    keysById: new Map(data.apiKeys.map((k) => [k.id, k])),
  };
}

const emptyData = (): FileData => ({ version: 1, users: [], apiKeys: [] });

export const publicUser = ({ passwordHash: _h, credentialVersion: _v, ...u }: UserRecord): PublicUser => u;
export const publicApiKey = ({ keyHash: _h, ...k }: ApiKeyRecord): PublicApiKey => k;

const credentialVersionOf = (u: Pick<UserRecord, 'credentialVersion'>): number => u.credentialVersion ?? 0;

/** Ends the login tokens issued so far: they carry the old version. */
function bumpCredentialVersion(u: UserRecord): void {
  u.credentialVersion = credentialVersionOf(u) + 1;
}

/** The user `id` in a draft of the file, or a not_found error. */
function userIn(d: FileData, id: string): UserRecord {
  const u = d.users.find((x) => x.id === id);
  if (!u) throw new KairosError('not_found', `user '${id}' not found`);
  return u;
}

/** Whether taking `u` (or its admin role) away would leave no admin to manage the others. */
const isLastAdmin = (d: FileData, u: UserRecord): boolean => u.role === 'admin' && d.users.filter((x) => x.role === 'admin').length === 1;

const newId = (tag: string) => `${tag}_${randomBytes(10).toString('hex')}`;

function validationFailed(path: string, message: string): KairosError {
  return new KairosError('validation', 'invalid request body', [{ path, message }]);
}

function checkUsername(username: string, path = 'username'): void {
  if (!USERNAME_PATTERN.test(username)) throw validationFailed(path, USERNAME_RULE);
}

function checkPassword(password: string, path = 'password'): void {
  if (password.length < PASSWORD_MIN) throw validationFailed(path, `must be at least ${PASSWORD_MIN} characters`);
  if (password.length > PASSWORD_MAX) throw validationFailed(path, `must be at most ${PASSWORD_MAX} characters`);
}

export class AuthStore {
  readonly file: string;
  private readonly doc: LockedJsonFile<FileData>;
  private readonly now: () => number;
  private readonly cacheTtlMs: number;
  private readonly lastUsedResolutionMs: number;

  /** Indexes over the document `doc` last returned; rebuilt when it returns another one. */
  private snap: Snapshot | undefined;
  /**
   * Successful password checks, so that HTTP Basic (a password on every request) pays for scrypt once
   * per `passwordCacheTtlMs`. Keyed by an HMAC, under a key that exists only in this process, of the
   * user id, its credential version, the username and the password: the map holds nothing a password
   * could be guessed from offline, and a password change (which bumps the version) misses.
   */
  private readonly passwordCache = new Map<string, { userId: string; expiresAt: number }>();
  private readonly cacheKeySecret = randomBytes(32);
  /**
   * Checks in flight by cache key: the dashboard (or a benchmark) sends several requests at once with
   * the same credentials, and each would otherwise run its own 128 MiB, ~0.3 s scrypt.
   */
  private readonly verifying = new Map<string, Promise<boolean>>();
  private readonly throttle: LoginThrottle;
  private readonly touching = new Map<string, Promise<void>>();
  private dummyHash: Promise<string> | undefined;

  constructor(
    readonly dataDir: string,
    opts: AuthStoreOptions = {},
  ) {
    this.doc = new LockedJsonFile(dataDir, STORE_FILE, FileSchema, emptyData, {
      lockTimeoutMs: opts.lockTimeoutMs,
      label: 'credential store',
      indent: 2,
      // Its keys are fixed field names and array indexes, so naming the bad fields reveals nothing.
      explainMalformed: true,
    });
    this.file = this.doc.file;
    this.now = opts.now ?? Date.now;
    this.cacheTtlMs = opts.passwordCacheTtlMs ?? 60_000;
    this.lastUsedResolutionMs = opts.lastUsedResolutionMs ?? 60_000;
    this.throttle = opts.throttle ?? new LoginThrottle();
  }

  // ---------------------------------------------------------------- bootstrap

  /**
   * Makes sure an admin can log in. With no user yet: creates KAIROS_ADMIN_USER (default `admin`)
   * with KAIROS_ADMIN_PASSWORD, or with a generated password that is returned once. With both
   * variables set and users present: the environment is the truth — that user is created or gets
   * the env password (and the admin role) if it differs.
   */
  async bootstrapAdmin(cfg: Pick<Config, 'admin'>): Promise<BootstrapResult> {
    const envUser = cfg.admin.user;
    const envPassword = cfg.admin.password;
    const username = envUser ?? 'admin';
    if (envUser !== undefined && !USERNAME_PATTERN.test(envUser)) {
      throw new KairosError('validation', `KAIROS_ADMIN_USER ${USERNAME_RULE}`);
    }
    if (envPassword !== undefined) checkPassword(envPassword, 'KAIROS_ADMIN_PASSWORD');

    const current = await this.refresh();
    if (current.data.users.length > 0) {
      if (envUser === undefined || envPassword === undefined) return { action: 'unchanged', generated: false };
      const existing = current.usersByName.get(envUser);
      if (existing && existing.role === 'admin' && (await verifyPassword(envPassword, existing.passwordHash))) {
        return { action: 'unchanged', username: envUser, generated: false };
      }
      const passwordHash = await hashPassword(envPassword);
      const created = await this.mutate((d) => {
        const u = d.users.find((x) => x.username === envUser);
        if (u) {
          u.passwordHash = passwordHash;
          u.role = 'admin';
          bumpCredentialVersion(u);
          return false;
        }
        d.users.push(this.newUser(envUser, 'admin', passwordHash));
        return true;
      });
      this.passwordCache.clear();
      return { action: created ? 'created' : 'updated', username: envUser, generated: false };
    }

    const generated = envPassword === undefined;
    const password = envPassword ?? generatePassword();
    const passwordHash = await hashPassword(password);
    const created = await this.mutate((d) => {
      // Another process may have bootstrapped while we were hashing.
      if (d.users.length > 0) return false;
      d.users.push(this.newUser(username, 'admin', passwordHash));
      return true;
    });
    if (!created) return { action: 'unchanged', generated: false };
    return generated
      ? { action: 'created', username, generated: true, password }
      : { action: 'created', username, generated: false };
  }

  // ----------------------------------------------------------- authentication

  /**
   * The user of a username and password, or null. Throws RateLimited (core/errors.ts) while failed
   * logins of this username or from `address` (the client's) are throttled.
   */
  async authenticateBasic(username: string, password: string, address?: string): Promise<Principal | null> {
    const user = await this.checkPassword(username, password, address);
    return user ? basicPrincipal(user) : null;
  }

  /**
   * A password check for a login that issues a token. The credential version is the one of the
   * record whose password was checked, so a change made meanwhile leaves the token already stale
   * rather than vouching for the old password under the new version.
   */
  async login(username: string, password: string, address?: string): Promise<LoginResult | null> {
    const user = await this.checkPassword(username, password, address);
    return user ? { principal: basicPrincipal(user), credentialVersion: credentialVersionOf(user) } : null;
  }

  /**
   * Whether a login token issued to `userId` at `credentialVersion` still stands: its user exists and
   * has not changed password or role, nor had its tokens revoked, since. Runs on every request that
   * presents a token: the store's shared freshness check and a map lookup, no file read.
   */
  async authenticateToken(userId: string, credentialVersion: number): Promise<TokenSubjectCheck> {
    const user = (await this.refresh()).usersById.get(userId);
    if (!user) return { ok: false, reason: 'unknown_user' };
    if (credentialVersionOf(user) !== credentialVersion) return { ok: false, reason: 'revoked' };
    return { ok: true, principal: { id: user.id, name: user.username, role: user.role, via: 'token' } };
  }

  /** The principal of an API key, or null. Failures are throttled per client `address` (keys have no username). */
  async authenticateApiKey(key: string, address?: string): Promise<Principal | null> {
    await this.throttle.check({ address });
    const s = await this.refresh();
    const keyHash = hashApiKey(key);
    const rec = API_KEY_PATTERN.test(key) ? s.keysByHash.get(keyHash) : undefined;
    const owner = rec && safeEqual(rec.keyHash, keyHash) ? s.usersById.get(rec.ownerId) : undefined;
    if (!rec || !owner) {
      // Counted after the fact: a key check is a map lookup, too fast for concurrent guesses to matter.
      await this.throttle.begin({ address });
      return null;
    }
    this.touch(rec);
    // A key never grants more than its owner currently has.
    const role: Role = owner.role === 'admin' ? rec.role : 'user';
    return { id: owner.id, name: owner.username, role, via: 'apikey', keyId: rec.id };
  }

  // -------------------------------------------------------------------- users

  async listUsers(): Promise<PublicUser[]> {
    return (await this.refresh()).data.users.map(publicUser);
  }

  async getUser(id: string): Promise<PublicUser> {
    const u = (await this.refresh()).usersById.get(id);
    if (!u) throw new KairosError('not_found', `user '${id}' not found`);
    return publicUser(u);
  }

  async createUser(input: { username: string; password: string; role?: Role }): Promise<PublicUser> {
    checkUsername(input.username);
    checkPassword(input.password);
    if ((await this.refresh()).usersByName.has(input.username)) throw duplicateUser(input.username);
    const passwordHash = await hashPassword(input.password);
    const user = await this.mutate((d) => {
      if (d.users.some((u) => u.username === input.username)) throw duplicateUser(input.username);
      const u = this.newUser(input.username, input.role ?? 'user', passwordHash);
      d.users.push(u);
      return u;
    });
    return publicUser(user);
  }

  /** Deletes a user and the API keys it owns. The last admin cannot be deleted. */
  async deleteUser(id: string): Promise<void> {
    await this.mutate((d) => {
      if (isLastAdmin(d, userIn(d, id))) throw new KairosError('conflict', 'cannot delete the last admin');
      d.users = d.users.filter((x) => x.id !== id);
      d.apiKeys = d.apiKeys.filter((k) => k.ownerId !== id);
    });
    this.forget(id);
  }

  async setPassword(id: string, password: string): Promise<void> {
    checkPassword(password);
    if (!(await this.refresh()).usersById.has(id)) throw new KairosError('not_found', `user '${id}' not found`);
    const passwordHash = await hashPassword(password);
    await this.mutate((d) => {
      const u = userIn(d, id);
      u.passwordHash = passwordHash;
      bumpCredentialVersion(u);
    });
    this.forget(id);
  }

  /**
   * Gives a user another role; the last admin cannot lose it. A change ends the user's login tokens
   * (they were issued for the old role); setting the role it already has changes nothing.
   */
  async setRole(id: string, role: Role): Promise<PublicUser> {
    const user = await this.mutate((d) => {
      const u = userIn(d, id);
      if (u.role === role) return u;
      if (isLastAdmin(d, u)) throw new KairosError('conflict', 'cannot take the admin role from the last admin');
      u.role = role;
      bumpCredentialVersion(u);
      return u;
    });
    return publicUser(user);
  }

  /** Ends every login token issued to the user so far, without changing its password or role. */
  async revokeTokens(id: string): Promise<void> {
    await this.mutate((d) => bumpCredentialVersion(userIn(d, id)));
  }

  // ----------------------------------------------------------------- API keys

  async listApiKeys(filter: { ownerId?: string } = {}): Promise<PublicApiKey[]> {
    const keys = (await this.refresh()).data.apiKeys;
    return keys.filter((k) => filter.ownerId === undefined || k.ownerId === filter.ownerId).map(publicApiKey);
  }

  async getApiKey(id: string): Promise<PublicApiKey> {
    const k = (await this.refresh()).keysById.get(id);
    if (!k) throw new KairosError('not_found', `API key '${id}' not found`);
    return publicApiKey(k);
  }

  /**
   * Creates a key for `ownerId`; `role` defaults to the owner's and may not exceed it.
   * The plaintext `key` is in the result and nowhere else.
   */
  async createApiKey(input: { name: string; ownerId: string; role?: Role }): Promise<CreatedApiKey> {
    const name = input.name.trim();
    if (name.length < 1 || name.length > KEY_NAME_MAX) throw validationFailed('name', `must be 1-${KEY_NAME_MAX} characters`);
    const key = generateApiKey();
    const rec = await this.mutate((d) => {
      const owner = d.users.find((u) => u.id === input.ownerId);
      if (!owner) throw new KairosError('not_found', `user '${input.ownerId}' not found`);
      const role = input.role ?? owner.role;
      if (role === 'admin' && owner.role !== 'admin') throw validationFailed('role', "cannot exceed the owner's role");
      const r: ApiKeyRecord = {
        id: newId('key'),
        name,
        ownerId: owner.id,
        role,
        keyHash: hashApiKey(key),
        prefix: key.slice(0, API_KEY_PREFIX_LENGTH),
        createdAt: new Date(this.now()).toISOString(),
      };
      d.apiKeys.push(r);
      return r;
    });
    return { ...publicApiKey(rec), key };
  }

  async deleteApiKey(id: string): Promise<void> {
    await this.mutate((d) => {
      const before = d.apiKeys.length;
      d.apiKeys = d.apiKeys.filter((k) => k.id !== id);
      if (d.apiKeys.length === before) throw new KairosError('not_found', `API key '${id}' not found`);
    });
  }

  /** Waits for background `lastUsedAt` writes (call before shutdown or deleting the data dir). */
  async flush(): Promise<void> {
    await Promise.all([...this.touching.values()]);
    await this.doc.settled();
  }

  // ---------------------------------------------------------------- internals

  private newUser(username: string, role: Role, passwordHash: string): UserRecord {
    return { id: newId('usr'), username, role, passwordHash, createdAt: new Date(this.now()).toISOString() };
  }

  /**
   * The user whose password this is, or null; remembers a success for `passwordCacheTtlMs`, and
   * re-hashes a password stored at an older scrypt cost. Throttled (see core/auth/throttle.ts): while
   * the username or the address has no failures left, throws RateLimited, even for the right password.
   */
  private async checkPassword(username: string, password: string, address?: string): Promise<UserRecord | null> {
    const source = { username, address };
    await this.throttle.check(source);
    const s = await this.refresh();
    const user = s.usersByName.get(username);
    const cacheKey = user && this.cacheTtlMs > 0 ? this.passwordCacheKey(user, username, password) : undefined;
    if (user && cacheKey) {
      const hit = this.passwordCache.get(cacheKey);
      if (hit && hit.expiresAt > this.now() && hit.userId === user.id) {
        await this.throttle.succeeded(source);
        return user;
      }
    }
    const pending = cacheKey === undefined ? undefined : this.verifying.get(cacheKey);
    if (user && pending && (await pending.catch(() => false))) {
      await this.throttle.succeeded(source);
      return user;
    }
    const attempt = await this.throttle.begin(source);
    if (!user) {
      // Spend the same time as for a real user, so response times don't reveal which usernames exist.
      this.dummyHash ??= hashPassword(generatePassword());
      await verifyPassword(password, await this.dummyHash);
      return null;
    }
    const check = verifyPassword(password, user.passwordHash);
    if (cacheKey !== undefined) {
      this.verifying.set(cacheKey, check);
      const done = () => void this.verifying.delete(cacheKey);
      check.then(done, done);
    }
    if (!(await check)) return null;
    await attempt.succeeded();
    if (needsRehash(user.passwordHash)) await this.rehash(user, password);
    if (cacheKey) this.remember(cacheKey, user);
    return user;
  }

  /**
   * Stores the password at the current cost, unless it changed meanwhile. The credential version
   * stays: the password is the same, so tokens and cached checks remain good. A failure leaves the
   * old hash, which still works, for the next login to try again.
   */
  private async rehash(user: UserRecord, password: string): Promise<void> {
    try {
      const passwordHash = await hashPassword(password);
      await this.mutate((d) => {
        const u = d.users.find((x) => x.id === user.id);
        if (u && u.passwordHash === user.passwordHash) u.passwordHash = passwordHash;
      });
    } catch {
      /* the login itself succeeded */
    }
  }

  private passwordCacheKey(user: UserRecord, username: string, password: string): string {
    // Length-prefixed so that ("a:b", "c") and ("a", "b:c") differ.
    return createHmac('sha256', this.cacheKeySecret)
      .update(`${user.id}:${credentialVersionOf(user)}:${username.length}:${username}:${password}`, 'utf8')
      .digest('base64url');
  }

  private remember(cacheKey: string, user: UserRecord): void {
    const now = this.now();
    if (this.passwordCache.size >= PASSWORD_CACHE_MAX) {
      for (const [k, v] of this.passwordCache) if (v.expiresAt <= now) this.passwordCache.delete(k);
      // Still full: drop the oldest entries (Map keeps insertion order).
      for (const k of this.passwordCache.keys()) {
        if (this.passwordCache.size < PASSWORD_CACHE_MAX) break;
        this.passwordCache.delete(k);
      }
    }
    this.passwordCache.set(cacheKey, { userId: user.id, expiresAt: now + this.cacheTtlMs });
  }

  private forget(userId: string): void {
    for (const [k, v] of this.passwordCache) if (v.userId === userId) this.passwordCache.delete(k);
  }

  /** Records `lastUsedAt` in the background, at most once per resolution period per key. */
  private touch(rec: ApiKeyRecord): void {
    const now = this.now();
    const last = rec.lastUsedAt ? Date.parse(rec.lastUsedAt) : NaN;
    if (now - last < this.lastUsedResolutionMs || this.touching.has(rec.id)) return;
    const at = new Date(now).toISOString();
    const p = this.mutate((d) => {
      const k = d.apiKeys.find((x) => x.id === rec.id);
      if (k) k.lastUsedAt = at;
    })
      // Bookkeeping only: a failure here must not fail the request that used the key.
      .catch(() => undefined)
      .finally(() => this.touching.delete(rec.id));
    this.touching.set(rec.id, p);
  }

  /** The current contents with their indexes; the file is re-read, and the indexes rebuilt, only if it changed. */
  private async refresh(): Promise<Snapshot> {
    const data = await this.doc.shared();
    if (this.snap?.data !== data) this.snap = snapshot(data);
    return this.snap;
  }

  /** Applies `fn` to a fresh copy of the file under the lock and writes the result; a throw writes nothing. */
  private mutate<T>(fn: (draft: FileData) => T): Promise<T> {
    return this.doc.update(fn);
  }
}

const basicPrincipal = (u: UserRecord): Principal => ({ id: u.id, name: u.username, role: u.role, via: 'basic' });

function duplicateUser(username: string): KairosError {
  return new KairosError('conflict', `user '${username}' already exists`, [{ path: 'username', message: 'already exists' }]);
}

/** Opens the store in `cfg.dataDir`. */
export function openAuthStore(cfg: Pick<Config, 'dataDir'> & Partial<Pick<Config, 'loginThrottle'>>, opts?: AuthStoreOptions): AuthStore {
  return new AuthStore(cfg.dataDir, { throttle: cfg.loginThrottle && new LoginThrottle(cfg.loginThrottle), ...opts });
}
