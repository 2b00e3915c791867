// The credential store: users, teams and their members, API keys, and (through core/auth/sessions.ts)
// dashboard login sessions, in Kairos's state store (core/db: tables principals, team_members,
// api_keys, sessions).
//
// The database is the truth and nothing of it is cached across requests: every check reads the row
// it needs, so a change made through one API process (another machine on the same PostgreSQL, or the
// worker beside it on the same SQLite file) holds on every other at once. Only hashes are stored:
// scrypt for passwords, SHA-256 for API keys (which doubles as the unique lookup index).
//
// Each user has a credential version, a counter that every change of what its login tokens and
// sessions vouch for (password, role, an explicit revocation) bumps. A token or session carries the
// version it was issued at and is accepted only while the user still has it.
//
// Writes run in one transaction each. better-sqlite3 is synchronous and SQLite transactions take the
// write lock up front (BEGIN IMMEDIATE), so nothing slow happens inside one: passwords are hashed
// before it begins. On PostgreSQL, every write transaction of this store first takes one advisory
// lock, so that the rules that read before they write (the last admin, unique names across users and
// teams, one bootstrap admin) hold between machines as they do on SQLite.
import { createHmac, randomBytes } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { Config } from '../config.ts';
import type { Db } from '../db/open.ts';
import type { PrincipalRow, Tables } from '../db/schema.ts';
import { KairosError } from '../errors.ts';
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
import { SessionStore, type SessionStoreOptions } from './sessions.ts';
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
  /** `token`: a login token a dialect issued (core/auth/tokens.ts); `session`: a dashboard session cookie. */
  via: 'basic' | 'apikey' | 'token' | 'session';
  keyId?: string;
}

export interface UserRecord {
  id: string;
  username: string;
  role: Role;
  passwordHash: string;
  createdAt: string;
  /** Bumped when the password or role changes or the user's tokens are revoked; tokens and sessions are good only while it matches. */
  credentialVersion: number;
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

/** A member of a team, as the API shows it. */
export interface TeamMember {
  id: string;
  username: string;
  addedAt: string;
}

/** A team: a principal that jobs and secrets can be shared with; its members act through it. */
export interface Team {
  id: string;
  name: string;
  createdAt: string;
  members: TeamMember[];
}

/** A password check for issuing a login token or session: the user and the credential version it gets. */
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
/** Team names follow the username rule: both name a principal, in one name space. */
export const TEAM_NAME_PATTERN = USERNAME_PATTERN;
export const TEAM_NAME_RULE = USERNAME_RULE;
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 1024;
export const KEY_NAME_MAX = 100;

export interface AuthStoreOptions {
  /** Clock in ms, for tests (also the sessions' clock). */
  now?: () => number;
  /** How long a successful password check is remembered (default 60 s; 0 disables). */
  passwordCacheTtlMs?: number;
  /** Failed-login throttling (default: KAIROS_LOGIN_* defaults, see core/auth/throttle.ts). */
  throttle?: LoginThrottle;
  /** `lastUsedAt` of a key is persisted at most this often (default 60 s). */
  lastUsedResolutionMs?: number;
  /** Session lifetimes (default: KAIROS_SESSION_* defaults, see core/auth/sessions.ts). */
  sessions?: Omit<SessionStoreOptions, 'now'>;
}

const PASSWORD_CACHE_MAX = 10_000;
/** The advisory lock every write transaction of this store takes on PostgreSQL. */
const WRITE_LOCK = 'kairos.auth';

type Trx = Transaction<Tables>;

function userOf(row: PrincipalRow): UserRecord {
  return {
    id: row.id,
    username: row.name,
    role: row.role,
    passwordHash: row.password_hash ?? '',
    createdAt: row.created_at,
    credentialVersion: row.credential_version,
  };
}

interface ApiKeyRowLike {
  id: string;
  name: string;
  owner_id: string;
  role: Role;
  key_hash: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
}

function apiKeyOf(row: ApiKeyRowLike): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    ownerId: row.owner_id,
    role: row.role,
    keyHash: row.key_hash,
    prefix: row.prefix,
    createdAt: row.created_at,
    ...(row.last_used_at !== null ? { lastUsedAt: row.last_used_at } : {}),
  };
}

export const publicUser = ({ passwordHash: _h, credentialVersion: _v, ...u }: UserRecord): PublicUser => u;
export const publicApiKey = ({ keyHash: _h, ...k }: ApiKeyRecord): PublicApiKey => k;

/**
 * A client-given id or name as a lookup key. PostgreSQL text cannot hold NUL (it refuses the whole
 * statement), and no stored id or name contains one, so such a key becomes one that names nothing:
 * the answer is the one for a missing row, on both backends, rather than a 500.
 */
const key = (s: string): string => (s.includes('\0') ? '' : s);

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

const userNotFound = (id: string) => new KairosError('not_found', `user '${id}' not found`);
const teamNotFound = (id: string) => new KairosError('not_found', `team '${id}' not found`);

function nameTaken(name: string, path: string): KairosError {
  return new KairosError('conflict', `a user or team named '${name}' already exists`, [{ path, message: 'already exists' }]);
}

export class AuthStore {
  /** Dashboard login sessions, over the same store and clock. */
  readonly sessions: SessionStore;
  private readonly now: () => number;
  private readonly cacheTtlMs: number;
  private readonly lastUsedResolutionMs: number;

  /**
   * Successful password checks, so that HTTP Basic (a password on every request) pays for scrypt once
   * per `passwordCacheTtlMs`. Keyed by an HMAC, under a key that exists only in this process, of the
   * user id, its credential version, the username and the password: the map holds nothing a password
   * could be guessed from offline, and a password change anywhere (which bumps the version, read from
   * the database on every check) misses.
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
    readonly db: Db,
    opts: AuthStoreOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.cacheTtlMs = opts.passwordCacheTtlMs ?? 60_000;
    this.lastUsedResolutionMs = opts.lastUsedResolutionMs ?? 60_000;
    this.throttle = opts.throttle ?? new LoginThrottle();
    this.sessions = new SessionStore(db, { ...opts.sessions, now: this.now });
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

    if (await this.anyUser(this.db.kysely)) {
      if (envUser === undefined || envPassword === undefined) return { action: 'unchanged', generated: false };
      const existing = await this.userByName(envUser);
      if (existing && existing.role === 'admin' && (await verifyPassword(envPassword, existing.passwordHash))) {
        return { action: 'unchanged', username: envUser, generated: false };
      }
      const passwordHash = await hashPassword(envPassword);
      const created = await this.write(async (trx) => {
        const u = await trx.selectFrom('principals').selectAll().where('name', '=', envUser).executeTakeFirst();
        if (u && u.kind !== 'user') throw new KairosError('conflict', `KAIROS_ADMIN_USER '${envUser}' names a team`);
        if (u) {
          await this.bumpCredentials(trx, u.id, { password_hash: passwordHash, role: 'admin' });
          return false;
        }
        await this.insertUser(trx, envUser, 'admin', passwordHash);
        return true;
      });
      this.passwordCache.clear();
      return { action: created ? 'created' : 'updated', username: envUser, generated: false };
    }

    const generated = envPassword === undefined;
    const password = envPassword ?? generatePassword();
    const passwordHash = await hashPassword(password);
    const created = await this.write(async (trx) => {
      // Another process may have bootstrapped while we were hashing.
      if (await this.anyUser(trx)) return false;
      await this.insertUser(trx, username, 'admin', passwordHash);
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
   * A password check for a login that issues a token or a session. The credential version is the one
   * of the record whose password was checked, so a change made meanwhile leaves the token already
   * stale rather than vouching for the old password under the new version.
   */
  async login(username: string, password: string, address?: string): Promise<LoginResult | null> {
    const user = await this.checkPassword(username, password, address);
    return user ? { principal: basicPrincipal(user), credentialVersion: user.credentialVersion } : null;
  }

  /**
   * Whether a login token issued to `userId` at `credentialVersion` still stands: its user exists and
   * has not changed password or role, nor had its tokens revoked, since. One primary-key read.
   */
  async authenticateToken(userId: string, credentialVersion: number): Promise<TokenSubjectCheck> {
    const user = await this.userById(userId);
    if (!user) return { ok: false, reason: 'unknown_user' };
    if (user.credentialVersion !== credentialVersion) return { ok: false, reason: 'revoked' };
    return { ok: true, principal: { id: user.id, name: user.username, role: user.role, via: 'token' } };
  }

  /** The principal of an API key, or null. Failures are throttled per client `address` (keys have no username). */
  async authenticateApiKey(key: string, address?: string): Promise<Principal | null> {
    await this.throttle.check({ address });
    const keyHash = hashApiKey(key);
    const row = API_KEY_PATTERN.test(key)
      ? await this.db.kysely
          .selectFrom('api_keys as k')
          .innerJoin('principals as p', 'p.id', 'k.owner_id')
          .select(['k.id', 'k.name', 'k.owner_id', 'k.role', 'k.key_hash', 'k.prefix', 'k.created_at', 'k.last_used_at', 'p.name as owner_name', 'p.role as owner_role'])
          .where('k.key_hash', '=', keyHash)
          .where('p.kind', '=', 'user')
          .executeTakeFirst()
      : undefined;
    if (!row || !safeEqual(row.key_hash, keyHash)) {
      // Counted after the fact: a key check is an index lookup, too fast for concurrent guesses to matter.
      await this.throttle.begin({ address });
      return null;
    }
    this.touch(apiKeyOf(row));
    // A key never grants more than its owner currently has.
    const role: Role = row.owner_role === 'admin' ? row.role : 'user';
    return { id: row.owner_id, name: row.owner_name, role, via: 'apikey', keyId: row.id };
  }

  // -------------------------------------------------------------------- users

  async listUsers(): Promise<PublicUser[]> {
    const rows = await this.db.kysely.selectFrom('principals').selectAll().where('kind', '=', 'user').orderBy('created_at').orderBy('id').execute();
    return rows.map((r) => publicUser(userOf(r)));
  }

  async getUser(id: string): Promise<PublicUser> {
    const u = await this.userById(id);
    if (!u) throw userNotFound(id);
    return publicUser(u);
  }

  async createUser(input: { username: string; password: string; role?: Role }): Promise<PublicUser> {
    checkUsername(input.username);
    checkPassword(input.password);
    // Checked before hashing too, so that a taken name costs no scrypt.
    if (await this.nameExists(this.db.kysely, input.username)) throw nameTaken(input.username, 'username');
    const passwordHash = await hashPassword(input.password);
    const user = await this.write(async (trx) => {
      if (await this.nameExists(trx, input.username)) throw nameTaken(input.username, 'username');
      return await this.insertUser(trx, input.username, input.role ?? 'user', passwordHash);
    });
    return publicUser(user);
  }

  /** Deletes a user with its API keys, team memberships and sessions (foreign keys cascade). The last admin cannot be deleted. */
  async deleteUser(id: string): Promise<void> {
    await this.write(async (trx) => {
      const u = await this.userIn(trx, id);
      if (await this.isLastAdmin(trx, u)) throw new KairosError('conflict', 'cannot delete the last admin');
      await trx.deleteFrom('principals').where('id', '=', id).execute();
    });
    this.forget(id);
  }

  async setPassword(id: string, password: string): Promise<void> {
    checkPassword(password);
    if (!(await this.userById(id))) throw userNotFound(id);
    const passwordHash = await hashPassword(password);
    await this.write(async (trx) => {
      await this.userIn(trx, id);
      await this.bumpCredentials(trx, id, { password_hash: passwordHash });
    });
    this.forget(id);
  }

  /**
   * Gives a user another role; the last admin cannot lose it. A change ends the user's login tokens
   * and sessions (they were issued for the old role); setting the role it already has changes nothing.
   */
  async setRole(id: string, role: Role): Promise<PublicUser> {
    const user = await this.write(async (trx) => {
      const u = await this.userIn(trx, id);
      if (u.role === role) return u;
      if (await this.isLastAdmin(trx, u)) throw new KairosError('conflict', 'cannot take the admin role from the last admin');
      await this.bumpCredentials(trx, id, { role });
      return { ...u, role };
    });
    return publicUser(user);
  }

  /** Ends every login token and session issued to the user so far, without changing its password or role. */
  async revokeTokens(id: string): Promise<void> {
    await this.write(async (trx) => {
      await this.userIn(trx, id);
      await this.bumpCredentials(trx, id, {});
    });
  }

  // -------------------------------------------------------------------- teams

  async listTeams(filter: { memberId?: string } = {}): Promise<Team[]> {
    let q = this.db.kysely.selectFrom('principals').selectAll().where('kind', '=', 'team');
    if (filter.memberId !== undefined) {
      const memberId = key(filter.memberId);
      q = q.where('id', 'in', (eb) => eb.selectFrom('team_members').select('team_id').where('user_id', '=', memberId));
    }
    const teams = await q.orderBy('name').execute();
    if (teams.length === 0) return [];
    const members = await this.membersOf(teams.map((t) => t.id));
    return teams.map((t) => ({ id: t.id, name: t.name, createdAt: t.created_at, members: members.get(t.id) ?? [] }));
  }

  async getTeam(id: string): Promise<Team> {
    const t = await this.db.kysely.selectFrom('principals').selectAll().where('id', '=', key(id)).where('kind', '=', 'team').executeTakeFirst();
    if (!t) throw teamNotFound(id);
    return { id: t.id, name: t.name, createdAt: t.created_at, members: (await this.membersOf([t.id])).get(t.id) ?? [] };
  }

  /** A team without members. Its name must be free among users and teams. */
  async createTeam(input: { name: string }): Promise<Team> {
    if (!TEAM_NAME_PATTERN.test(input.name)) throw validationFailed('name', TEAM_NAME_RULE);
    const id = newId('team');
    const createdAt = this.iso();
    await this.write(async (trx) => {
      if (await this.nameExists(trx, input.name)) throw nameTaken(input.name, 'name');
      // A team never holds a password nor the admin role: membership makes nobody an admin.
      await trx
        .insertInto('principals')
        .values({ id, kind: 'team', name: input.name, role: 'user', password_hash: null, credential_version: 0, created_at: createdAt })
        .execute();
    });
    return { id, name: input.name, createdAt, members: [] };
  }

  /** Deletes a team and its memberships (cascade). */
  async deleteTeam(id: string): Promise<void> {
    const r = await this.write((trx) => trx.deleteFrom('principals').where('id', '=', key(id)).where('kind', '=', 'team').executeTakeFirst());
    if (Number(r.numDeletedRows) === 0) throw teamNotFound(id);
  }

  /** Makes a user a member of a team (again: no change); answers the team. */
  async addMember(teamId: string, userId: string): Promise<Team> {
    await this.write(async (trx) => {
      await this.teamIn(trx, teamId);
      await this.userIn(trx, userId);
      await trx
        .insertInto('team_members')
        .values({ team_id: teamId, user_id: userId, added_at: this.iso() })
        .onConflict((oc) => oc.columns(['team_id', 'user_id']).doNothing())
        .execute();
    });
    return await this.getTeam(teamId);
  }

  async removeMember(teamId: string, userId: string): Promise<void> {
    await this.write(async (trx) => {
      await this.teamIn(trx, teamId);
      const r = await trx.deleteFrom('team_members').where('team_id', '=', teamId).where('user_id', '=', key(userId)).executeTakeFirst();
      if (Number(r.numDeletedRows) === 0) throw new KairosError('not_found', `user '${userId}' is not a member of team '${teamId}'`);
    });
  }

  /** The ids of the teams `userId` is a member of (none for an unknown user). */
  async teamsOf(userId: string): Promise<string[]> {
    const rows = await this.db.kysely.selectFrom('team_members').select('team_id').where('user_id', '=', key(userId)).orderBy('team_id').execute();
    return rows.map((r) => r.team_id);
  }

  // ----------------------------------------------------------------- API keys

  async listApiKeys(filter: { ownerId?: string } = {}): Promise<PublicApiKey[]> {
    let q = this.db.kysely.selectFrom('api_keys').selectAll();
    if (filter.ownerId !== undefined) q = q.where('owner_id', '=', key(filter.ownerId));
    const rows = await q.orderBy('created_at').orderBy('id').execute();
    return rows.map((r) => publicApiKey(apiKeyOf(r)));
  }

  async getApiKey(id: string): Promise<PublicApiKey> {
    const k = await this.db.kysely.selectFrom('api_keys').selectAll().where('id', '=', key(id)).executeTakeFirst();
    if (!k) throw new KairosError('not_found', `API key '${id}' not found`);
    return publicApiKey(apiKeyOf(k));
  }

  /**
   * Creates a key for `ownerId`; `role` defaults to the owner's and may not exceed it.
   * The plaintext `key` is in the result and nowhere else.
   */
  async createApiKey(input: { name: string; ownerId: string; role?: Role }): Promise<CreatedApiKey> {
    const name = input.name.trim();
    if (name.length < 1 || name.length > KEY_NAME_MAX) throw validationFailed('name', `must be 1-${KEY_NAME_MAX} characters`);
    if (name.includes('\0')) throw validationFailed('name', 'must not contain NUL characters');
    const key = generateApiKey();
    const rec = await this.write(async (trx) => {
      const owner = await this.userIn(trx, input.ownerId);
      const role = input.role ?? owner.role;
      if (role === 'admin' && owner.role !== 'admin') throw validationFailed('role', "cannot exceed the owner's role");
      const r: ApiKeyRecord = {
        id: newId('key'),
        name,
        ownerId: owner.id,
        role,
        keyHash: hashApiKey(key),
        prefix: key.slice(0, API_KEY_PREFIX_LENGTH),
        createdAt: this.iso(),
      };
      await trx
        .insertInto('api_keys')
        .values({ id: r.id, name, owner_id: r.ownerId, role, key_hash: r.keyHash, prefix: r.prefix, created_at: r.createdAt, last_used_at: null })
        .execute();
      return r;
    });
    return { ...publicApiKey(rec), key };
  }

  async deleteApiKey(id: string): Promise<void> {
    const r = await this.db.kysely.deleteFrom('api_keys').where('id', '=', key(id)).executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) throw new KairosError('not_found', `API key '${id}' not found`);
  }

  /** Waits for background `lastUsedAt` writes (call before closing the database). */
  async flush(): Promise<void> {
    await Promise.all([...this.touching.values()]);
  }

  // ---------------------------------------------------------------- internals

  private iso(): string {
    return new Date(this.now()).toISOString();
  }

  /** One write transaction; on PostgreSQL serialised with every other writer of this store (see the header). */
  private async write<T>(fn: (trx: Trx) => Promise<T>): Promise<T> {
    return await this.db.kysely.transaction().execute(async (trx) => {
      if (this.db.backend === 'postgres') await sql`select pg_advisory_xact_lock(hashtext(${WRITE_LOCK}))`.execute(trx);
      return await fn(trx);
    });
  }

  private async anyUser(q: Db['kysely'] | Trx): Promise<boolean> {
    return (await q.selectFrom('principals').select('id').where('kind', '=', 'user').limit(1).executeTakeFirst()) !== undefined;
  }

  private async nameExists(q: Db['kysely'] | Trx, name: string): Promise<boolean> {
    return (await q.selectFrom('principals').select('id').where('name', '=', name).executeTakeFirst()) !== undefined;
  }

  private async userById(id: string): Promise<UserRecord | undefined> {
    const row = await this.db.kysely.selectFrom('principals').selectAll().where('id', '=', key(id)).where('kind', '=', 'user').executeTakeFirst();
    return row && userOf(row);
  }

  private async userByName(name: string): Promise<UserRecord | undefined> {
    const row = await this.db.kysely.selectFrom('principals').selectAll().where('name', '=', key(name)).where('kind', '=', 'user').executeTakeFirst();
    return row && userOf(row);
  }

  /** The user `id` as the transaction sees it, or a not_found error. */
  private async userIn(trx: Trx, id: string): Promise<UserRecord> {
    const row = await trx.selectFrom('principals').selectAll().where('id', '=', key(id)).where('kind', '=', 'user').executeTakeFirst();
    if (!row) throw userNotFound(id);
    return userOf(row);
  }

  private async teamIn(trx: Trx, id: string): Promise<void> {
    const row = await trx.selectFrom('principals').select('id').where('id', '=', key(id)).where('kind', '=', 'team').executeTakeFirst();
    if (!row) throw teamNotFound(id);
  }

  /** Whether taking `u` (or its admin role) away would leave no admin to manage the others. */
  private async isLastAdmin(trx: Trx, u: UserRecord): Promise<boolean> {
    if (u.role !== 'admin') return false;
    const { n } = await trx
      .selectFrom('principals')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('kind', '=', 'user')
      .where('role', '=', 'admin')
      .executeTakeFirstOrThrow();
    return Number(n) <= 1;
  }

  private async insertUser(trx: Trx, username: string, role: Role, passwordHash: string): Promise<UserRecord> {
    const u: UserRecord = { id: newId('usr'), username, role, passwordHash, createdAt: this.iso(), credentialVersion: 0 };
    await trx
      .insertInto('principals')
      .values({ id: u.id, kind: 'user', name: username, role, password_hash: passwordHash, credential_version: 0, created_at: u.createdAt })
      .execute();
    return u;
  }

  /**
   * Applies a change of what the user's credentials vouch for and bumps its credential version, which
   * ends the login tokens and sessions issued so far; the sessions' rows go at once.
   */
  private async bumpCredentials(trx: Trx, id: string, change: { password_hash?: string; role?: Role }): Promise<void> {
    await trx
      .updateTable('principals')
      .set((eb) => ({ ...change, credential_version: eb('credential_version', '+', 1) }))
      .where('id', '=', id)
      .execute();
    await trx.deleteFrom('sessions').where('user_id', '=', id).execute();
  }

  private async membersOf(teamIds: string[]): Promise<Map<string, TeamMember[]>> {
    const rows = await this.db.kysely
      .selectFrom('team_members as m')
      .innerJoin('principals as p', 'p.id', 'm.user_id')
      .select(['m.team_id', 'm.user_id', 'm.added_at', 'p.name'])
      .where('m.team_id', 'in', teamIds)
      .orderBy('p.name')
      .execute();
    const out = new Map<string, TeamMember[]>();
    for (const r of rows) {
      const list = out.get(r.team_id) ?? [];
      list.push({ id: r.user_id, username: r.name, addedAt: r.added_at });
      out.set(r.team_id, list);
    }
    return out;
  }

  /**
   * The user whose password this is, or null; remembers a success for `passwordCacheTtlMs`, and
   * re-hashes a password stored at an older scrypt cost. Throttled (see core/auth/throttle.ts): while
   * the username or the address has no failures left, throws RateLimited, even for the right password.
   */
  private async checkPassword(username: string, password: string, address?: string): Promise<UserRecord | null> {
    const source = { username, address };
    await this.throttle.check(source);
    const user = await this.userByName(username);
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
   * stays: the password is the same, so tokens, sessions and cached checks remain good. A failure
   * leaves the old hash, which still works, for the next login to try again.
   */
  private async rehash(user: UserRecord, password: string): Promise<void> {
    try {
      const passwordHash = await hashPassword(password);
      await this.db.kysely
        .updateTable('principals')
        .set({ password_hash: passwordHash })
        .where('id', '=', user.id)
        .where('password_hash', '=', user.passwordHash)
        .execute();
    } catch {
      /* the login itself succeeded */
    }
  }

  private passwordCacheKey(user: UserRecord, username: string, password: string): string {
    // Length-prefixed so that ("a:b", "c") and ("a", "b:c") differ.
    return createHmac('sha256', this.cacheKeySecret)
      .update(`${user.id}:${user.credentialVersion}:${username.length}:${username}:${password}`, 'utf8')
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

  /**
   * Records `lastUsedAt` in the background, at most once per resolution period per key: the update
   * is conditional on the stored time being older, so instances using one key at once write it once.
   */
  private touch(rec: ApiKeyRecord): void {
    const now = this.now();
    const last = rec.lastUsedAt ? Date.parse(rec.lastUsedAt) : NaN;
    if (now - last < this.lastUsedResolutionMs || this.touching.has(rec.id)) return;
    const at = new Date(now).toISOString();
    const staleBefore = new Date(now - this.lastUsedResolutionMs).toISOString();
    const p = this.db.kysely
      .updateTable('api_keys')
      .set({ last_used_at: at })
      .where('id', '=', rec.id)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', staleBefore)]))
      .execute()
      // Bookkeeping only: a failure here must not fail the request that used the key.
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => this.touching.delete(rec.id));
    this.touching.set(rec.id, p);
  }
}

const basicPrincipal = (u: UserRecord): Principal => ({ id: u.id, name: u.username, role: u.role, via: 'basic' });

/** The store over `db`, with the configured login throttle and session lifetimes. */
export function openAuthStore(cfg: Partial<Pick<Config, 'loginThrottle' | 'sessions'>>, db: Db, opts?: AuthStoreOptions): AuthStore {
  return new AuthStore(db, { throttle: cfg.loginThrottle && new LoginThrottle(cfg.loginThrottle), sessions: cfg.sessions, ...opts });
}
