// Login tokens: issued for valid Kairos credentials, then presented instead of them (Volt MX's
// claims token). Stateless, so any API instance verifies what another issued: the token is
// HMAC-SHA256-signed with a key kept in `<dataDir>/token-signing.key` (created once, mode 0600;
// instances that share the data dir share it). A token names the user, its purpose and its expiry;
// the user is looked up again on every use, so deleting a user ends its tokens at once.
// Tokens are credentials: nothing here logs them.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const TOKEN_KEY_FILE = 'token-signing.key';
const KEY_BYTES = 32;
const VERSION = 'kt1';

export interface IssuedToken {
  value: string;
  /** Expiry, ms since the epoch. */
  expiresAt: number;
}

export type TokenCheck = { ok: true; userId: string; expiresAt: number } | { ok: false; reason: 'invalid' | 'expired' };

interface Payload {
  sub: string;
  /** What the token is for (a token issued for one dialect is not accepted by another). */
  aud: string;
  exp: number;
  jti: string;
}

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

  async issue(userId: string, audience: string): Promise<IssuedToken> {
    const payload: Payload = { sub: userId, aud: audience, exp: this.now() + this.opts.ttlMs, jti: randomBytes(12).toString('base64url') };
    const body = `${VERSION}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    return { value: `${body}.${await this.sign(body)}`, expiresAt: payload.exp };
  }

  async verify(token: string, audience: string): Promise<TokenCheck> {
    const parts = token.trim().split('.');
    if (parts.length !== 3 || parts[0] !== VERSION || token.length > 4096) return { ok: false, reason: 'invalid' };
    const body = `${parts[0]}.${parts[1]}`;
    const given = Buffer.from(parts[2] ?? '', 'base64url');
    const expected = Buffer.from(await this.sign(body), 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'invalid' };
    let p: Partial<Payload>;
    try {
      p = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8')) as Partial<Payload>;
    } catch {
      return { ok: false, reason: 'invalid' };
    }
    if (typeof p.sub !== 'string' || typeof p.exp !== 'number' || p.aud !== audience) return { ok: false, reason: 'invalid' };
    if (p.exp <= this.now()) return { ok: false, reason: 'expired' };
    return { ok: true, userId: p.sub, expiresAt: p.exp };
  }

  private async sign(body: string): Promise<string> {
    return createHmac('sha256', await this.signingKey()).update(body).digest('base64url');
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
