// Login tokens: issued for valid Kairos credentials, then presented instead of them (Volt MX's
// claims token). Stateless, so any API instance verifies what another issued: a token is a JWT
// (HS256, through the `jose` library) signed with a key kept in `<dataDir>/token-signing.key`
// (created once, mode 0600; instances that share the data dir share it). It names the user (sub),
// its purpose (aud), its expiry (exp) and the user's credential version at login (cv, see
// core/auth/store.ts). Whoever accepts a token looks the user up again on every use
// (AuthStore.authenticateToken) and compares cv, so deleting the user, changing its password or
// role, or revoking its tokens ends them at once, although nothing about a token is stored.
// Tokens are credentials: nothing here logs them.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errors, jwtVerify, SignJWT } from 'jose';

export const TOKEN_KEY_FILE = 'token-signing.key';
const KEY_BYTES = 32;
const ALG = 'HS256';
const MAX_TOKEN_LENGTH = 4096;
/** The claim holding the user's credential version (absent in tokens issued before it existed: 0). */
const CREDENTIAL_VERSION_CLAIM = 'cv';

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
  private key: Promise<Buffer> | undefined;
  private readonly now: () => number;

  constructor(
    private readonly dataDir: string,
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

  private signingKey(): Promise<Buffer> {
    this.key ??= loadOrCreateKey(join(this.dataDir, TOKEN_KEY_FILE), this.dataDir).catch((err: unknown) => {
      this.key = undefined; // try again on the next call
      throw err;
    });
    return this.key;
  }
}

/** Reads the key, or creates it exclusively (two instances starting at once agree on one key). */
async function loadOrCreateKey(file: string, dir: string): Promise<Buffer> {
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      const key = await readFile(file);
      if (key.length === KEY_BYTES) return key;
      // A creator between open and write: wait for it to finish.
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await mkdir(dir, { recursive: true });
      try {
        const fh = await open(file, 'wx', 0o600);
        const key = randomBytes(KEY_BYTES);
        try {
          await fh.writeFile(key);
          await fh.sync();
        } finally {
          await fh.close();
        }
        return key;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${file} is not a ${KEY_BYTES}-byte key; remove it to have a new one made (outstanding tokens end)`);
}
