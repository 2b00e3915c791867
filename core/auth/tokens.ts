// Login tokens: issued for valid Kairos credentials, then presented instead of them (Volt MX's
// claims token). Stateless, so any API instance verifies what another issued: a token is a JWT
// (HS256, through the `jose` library) signed with one key kept in the state store's `settings`
// table, encrypted with the secret key (core/secrets/cipher.ts) and made once (instances that start
// together agree: insert if absent, then read back), so every API instance on one PostgreSQL signs
// and verifies with the same key. A `token-signing.key` file of an older data dir is imported, so
// tokens issued before the upgrade stay valid. A token names the user (sub), its purpose (aud), its
// expiry (exp) and the user's credential version at login (cv, see core/auth/store.ts). Whoever
// accepts a token looks the user up again on every use (AuthStore.authenticateToken) and compares
// cv, so deleting the user, changing its password or role, or revoking its tokens ends them at
// once, although nothing about a token is stored.
// Tokens are credentials: nothing here logs them.
import { randomBytes } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import type { Db } from '../db/open.ts';
import type { LegacyImport } from '../db/legacy.ts';
import { sealedSetting, type SecretCipher } from '../secrets/cipher.ts';

/** The key's file in a data dir from before the state store (imported, then renamed `.imported`). */
export const TOKEN_KEY_FILE = 'token-signing.key';
/** The `settings` row holding the key, sealed with the secret key. */
export const TOKEN_KEY_SETTING = 'token-signing-key';
const KEY_BYTES = 32;
const ALG = 'HS256';
const MAX_TOKEN_LENGTH = 4096;
/** The claim holding the user's credential version (absent in tokens issued before it existed: 0). */
const CREDENTIAL_VERSION_CLAIM = 'cv';

/** The signing key, or where to get it when first needed. */
export type TokenKey = Uint8Array | (() => Promise<Uint8Array>);

/** The key in the state store, made on first use (what the API's signers use). */
export function storedTokenKey(db: Db, cipher: SecretCipher): () => Promise<Uint8Array> {
  return () => sealedSetting(db.kysely, cipher, TOKEN_KEY_SETTING, () => randomBytes(KEY_BYTES));
}

/** Imports an older data dir's `token-signing.key` (32 raw bytes) unless the store has a key already. */
export function tokenKeyImport(cipher: SecretCipher): LegacyImport {
  return {
    file: TOKEN_KEY_FILE,
    async run(trx, _text, { now, bytes }) {
      if (bytes.length !== KEY_BYTES) throw new Error(`it is not a ${KEY_BYTES}-byte key`);
      await trx
        .insertInto('settings')
        .values({ key: TOKEN_KEY_SETTING, value: cipher.sealSetting(TOKEN_KEY_SETTING, bytes), updated_at: now })
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
    },
  };
}

export interface IssuedToken {
  value: string;
  /** Expiry, ms since the epoch. */
  expiresAt: number;
}

export type TokenCheck =
  | { ok: true; userId: string; credentialVersion: number; expiresAt: number }
  | { ok: false; reason: 'invalid' | 'expired' };

export interface TokenSignerOptions {
  ttlMs: number;
  now?: () => number;
}

export class TokenSigner {
  private key: Promise<Uint8Array> | undefined;
  private readonly now: () => number;

  constructor(
    private readonly source: TokenKey,
    private readonly opts: TokenSignerOptions,
  ) {
    this.now = opts.now ?? Date.now;
  }

  get ttlMs(): number {
    return this.opts.ttlMs;
  }

  /** A token for `userId` at its current `credentialVersion` (what the store's login returned). */
  async issue(userId: string, audience: string, credentialVersion: number): Promise<IssuedToken> {
    // JWT times are whole seconds.
    const exp = Math.floor((this.now() + this.opts.ttlMs) / 1000);
    const value = await new SignJWT({ [CREDENTIAL_VERSION_CLAIM]: credentialVersion })
      .setProtectedHeader({ alg: ALG, typ: 'JWT' })
      .setSubject(userId)
      .setAudience(audience)
      .setExpirationTime(exp)
      .setJti(randomBytes(12).toString('base64url'))
      .sign(await this.signingKey());
    return { value, expiresAt: exp * 1000 };
  }

  async verify(token: string, audience: string): Promise<TokenCheck> {
    const value = token.trim();
    if (value === '' || value.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'invalid' };
    try {
      const { payload } = await jwtVerify(value, await this.signingKey(), {
        algorithms: [ALG],
        audience,
        requiredClaims: ['sub', 'exp'],
        currentDate: new Date(this.now()),
        clockTolerance: 0,
      });
      if (typeof payload.sub !== 'string' || typeof payload.exp !== 'number') return { ok: false, reason: 'invalid' };
      const cv = payload[CREDENTIAL_VERSION_CLAIM] === undefined ? 0 : payload[CREDENTIAL_VERSION_CLAIM];
      if (typeof cv !== 'number' || !Number.isSafeInteger(cv) || cv < 0) return { ok: false, reason: 'invalid' };
      return { ok: true, userId: payload.sub, credentialVersion: cv, expiresAt: payload.exp * 1000 };
    } catch (err) {
      // The signature is checked before the claims, so "expired" is only said of a token we issued.
      if (err instanceof errors.JWTExpired) return { ok: false, reason: 'expired' };
      if (err instanceof errors.JOSEError || err instanceof TypeError) return { ok: false, reason: 'invalid' };
      throw err;
    }
  }

  private signingKey(): Promise<Uint8Array> {
    const source = this.source;
    if (source instanceof Uint8Array) return Promise.resolve(source);
    this.key ??= source().catch((err: unknown) => {
      this.key = undefined; // try again on the next call
      throw err;
    });
    return this.key;
  }
}
