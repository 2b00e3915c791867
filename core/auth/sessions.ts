// Dashboard login sessions, in the state store's `sessions` table.
//
// A session is a random 32-byte token (base64url) that the browser keeps in an HttpOnly cookie; only
// its SHA-256 is stored, so a copy of the database logs nobody in. Its CSRF token is derived from it
// (an HMAC keyed by the session token): whoever holds the cookie's token can be told it again
// (GET /v1/sessions/current, readable only by the API's own origin), a page of another site cannot
// compute it, and the database keeps only its SHA-256, compared in constant time.
//
// A session ends when it has been idle for `idleTtlMs` (every use slides this; the new expiry is
// written at most once per `renewResolutionMs`, so a burst of requests writes once), when it is
// `maxTtlMs` old whatever its use, when it is revoked (log-out), when its user is deleted (the row
// cascades), or when the user's credential version moves on (password or role change, token
// revocation: core/auth/store.ts), since a session vouches for the credentials it was opened with.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Db } from '../db/open.ts';
import { KairosError } from '../errors.ts';
import { safeEqual } from './hash.ts';
import type { Principal } from './store.ts';

/** The defaults of KAIROS_SESSION_IDLE_TTL and KAIROS_SESSION_MAX_TTL. */
export const DEFAULT_SESSION_IDLE_TTL_MS = 8 * 3_600_000;
export const DEFAULT_SESSION_MAX_TTL_MS = 7 * 24 * 3_600_000;

export const SESSION_COOKIE = 'kairos_session';
export const CSRF_HEADER = 'X-CSRF-Token';
/** 32 random bytes in base64url. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
/** Expired rows are purged at most this often, by a process that creates sessions. */
const PURGE_EVERY_MS = 3_600_000;

export interface SessionStoreOptions {
  /** A session unused this long ends (default 8 h). */
  idleTtlMs?: number;
  /** A session ends this long after it began, however much it is used (default 7 d). */
  maxTtlMs?: number;
  /** The sliding expiry is persisted at most this often per session (default 60 s, or a tenth of a shorter idle time). */
  renewResolutionMs?: number;
  /** Clock in ms, for tests. */
  now?: () => number;
}

/** A new session: the cookie's token and the CSRF token exist only here and in the caller's answer. */
export interface CreatedSession {
  token: string;
  csrfToken: string;
  createdAt: string;
  /** When it ends unless used before (slides with use). */
  expiresAt: string;
  /** When it ends however much it is used. */
  absoluteExpiresAt: string;
}

/** A session that `validate` accepted. */
export interface ActiveSession {
  /** Its user, as now (current role); `via` is 'session'. */
  principal: Principal;
  /** SHA-256 of the token: the row's key. */
  idHash: string;
  createdAt: string;
  expiresAt: string;
  absoluteExpiresAt: string;
  /** Whether `given` is this session's CSRF token (constant-time on the hashes). */
  checkCsrf(given: string): boolean;
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('base64url');

/** The CSRF token of a session token (see the header). */
export function csrfTokenOf(token: string): string {
  return createHmac('sha256', token).update('kairos-csrf-v1', 'utf8').digest('base64url');
}

export class SessionStore {
  readonly idleTtlMs: number;
  readonly maxTtlMs: number;
  private readonly renewResolutionMs: number;
  private readonly now: () => number;
  private lastPurge = -Infinity;

  constructor(
    private readonly db: Db,
    opts: SessionStoreOptions = {},
  ) {
    this.idleTtlMs = opts.idleTtlMs ?? DEFAULT_SESSION_IDLE_TTL_MS;
    this.maxTtlMs = opts.maxTtlMs ?? DEFAULT_SESSION_MAX_TTL_MS;
    // A tenth of the idle time when that is short: with 60 s against the 1 min minimum
    // (KAIROS_SESSION_IDLE_TTL=1m), no use would ever be written, and a session in constant use
    // would end a minute after the login.
    this.renewResolutionMs = opts.renewResolutionMs ?? Math.min(60_000, Math.floor(this.idleTtlMs / 10));
    this.now = opts.now ?? Date.now;
  }

  /**
   * Opens a session for a user whose password was just checked, bound to the credential version
   * that check saw (AuthStore.login), so a change made meanwhile leaves it already ended.
   */
  async create(user: { id: string; credentialVersion: number }): Promise<CreatedSession> {
    const now = this.now();
    if (now - this.lastPurge >= PURGE_EVERY_MS) {
      this.lastPurge = now;
      await this.purgeExpired().catch(() => 0);
    }
    const token = randomBytes(32).toString('base64url');
    const csrfToken = csrfTokenOf(token);
    const createdAt = new Date(now).toISOString();
    const absolute = now + this.maxTtlMs;
    const expiresAt = new Date(Math.min(now + this.idleTtlMs, absolute)).toISOString();
    await this.db.kysely.transaction().execute(async (trx) => {
      const u = await trx.selectFrom('principals').select('id').where('id', '=', user.id).where('kind', '=', 'user').executeTakeFirst();
      // Deleted between the password check and now.
      if (!u) throw new KairosError('unauthenticated', 'authentication required');
      await trx
        .insertInto('sessions')
        .values({
          id_hash: sha256(token),
          user_id: user.id,
          credential_version: user.credentialVersion,
          csrf_hash: sha256(csrfToken),
          created_at: createdAt,
          last_seen_at: createdAt,
          expires_at: expiresAt,
        })
        .execute();
    });
    return { token, csrfToken, createdAt, expiresAt, absoluteExpiresAt: new Date(absolute).toISOString() };
  }

  /**
   * The session of a cookie's token, or null when there is none: unknown, expired (idle or absolute),
   * its user gone, or its user's credential version changed. An ended session's row is removed.
   * A use slides the idle expiry (persisted at most once per renewal resolution).
   */
  async validate(token: string): Promise<ActiveSession | null> {
    if (!TOKEN_PATTERN.test(token)) return null;
    const idHash = sha256(token);
    const row = await this.db.kysely
      .selectFrom('sessions as s')
      .innerJoin('principals as p', 'p.id', 's.user_id')
      .select([
        's.credential_version as session_version',
        's.csrf_hash',
        's.created_at',
        's.last_seen_at',
        's.expires_at',
        'p.id as user_id',
        'p.name',
        'p.role',
        'p.kind',
        'p.credential_version as user_version',
      ])
      .where('s.id_hash', '=', idHash)
      .executeTakeFirst();
    if (!row) return null;
    const now = this.now();
    const absolute = Date.parse(row.created_at) + this.maxTtlMs;
    if (row.kind !== 'user' || row.session_version !== row.user_version || Date.parse(row.expires_at) <= now || absolute <= now) {
      await this.revokeHash(idHash).catch(() => undefined);
      return null;
    }
    let expiresAt = row.expires_at;
    if (now - Date.parse(row.last_seen_at) >= this.renewResolutionMs) {
      expiresAt = new Date(Math.min(now + this.idleTtlMs, absolute)).toISOString();
      const seen = new Date(now).toISOString();
      // Bookkeeping: should it fail, the session still ends at its old expiry.
      await this.db.kysely
        .updateTable('sessions')
        .set({ last_seen_at: seen, expires_at: expiresAt })
        .where('id_hash', '=', idHash)
        .execute()
        .catch(() => (expiresAt = row.expires_at));
    }
    const csrfHash = row.csrf_hash;
    return {
      principal: { id: row.user_id, name: row.name, role: row.role, via: 'session' },
      idHash,
      createdAt: row.created_at,
      expiresAt,
      absoluteExpiresAt: new Date(absolute).toISOString(),
      checkCsrf: (given: string) => given !== '' && given.length <= 256 && safeEqual(sha256(given), csrfHash),
    };
  }

  /** Ends the session of a token (log-out); whether there was one. */
  async revoke(token: string): Promise<boolean> {
    return TOKEN_PATTERN.test(token) ? await this.revokeHash(sha256(token)) : false;
  }

  /** Ends the session whose token hashes to `idHash`. */
  async revokeHash(idHash: string): Promise<boolean> {
    const r = await this.db.kysely.deleteFrom('sessions').where('id_hash', '=', idHash).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Ends every session of a user; how many there were. */
  async revokeAll(userId: string): Promise<number> {
    // PostgreSQL text cannot hold NUL; no user id has one.
    if (userId.includes('\0')) return 0;
    const r = await this.db.kysely.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /** Removes the rows of sessions that have ended by time; how many. */
  async purgeExpired(): Promise<number> {
    const now = this.now();
    const r = await this.db.kysely
      .deleteFrom('sessions')
      .where((eb) => eb.or([eb('expires_at', '<=', new Date(now).toISOString()), eb('created_at', '<=', new Date(now - this.maxTtlMs).toISOString())]))
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
