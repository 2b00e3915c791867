// Password hashing (scrypt, slow on purpose) and API-key hashing (SHA-256: keys carry 256 bits of
// entropy, so a fast hash is enough and lets a key be found by its hash in O(1)).
import { createHash, randomBytes, randomInt, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import type { ScryptOptions } from 'node:crypto';

/**
 * OWASP's current scrypt cost (N=2^17, r=8, p=1): 128 MiB and ~0.1-0.5 s of CPU per check. Hashes made
 * at an older cost keep working and are re-hashed at this one at the user's next successful login
 * (`needsRehash`); each hash records its own parameters.
 */
export const SCRYPT_PARAMS = { N: 2 ** 17, r: 8, p: 1, saltBytes: 16, keyBytes: 64 } as const;

function scrypt(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** Memory scrypt needs is 128·N·r bytes (128 MiB at the current cost), over Node's 32 MiB default: allow twice that. */
const maxmem = (N: number, r: number) => 256 * N * r + 1024 * 1024;

/** `scrypt$N$r$p$salt$hash`, salt and hash in base64. */
export async function hashPassword(password: string): Promise<string> {
  return await hashPasswordWith(password, SCRYPT_PARAMS);
}

interface ParsedHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

function parseHash(encoded: string): ParsedHash | undefined {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  // Bounds keep a tampered file from asking for gigabytes of memory or minutes of CPU.
  if (!Number.isInteger(N) || N < 2 || N > 1 << 20 || (N & (N - 1)) !== 0) return undefined;
  if (!Number.isInteger(r) || r < 1 || r > 32 || !Number.isInteger(p) || p < 1 || p > 16) return undefined;
  const salt = Buffer.from(parts[4] ?? '', 'base64');
  const key = Buffer.from(parts[5] ?? '', 'base64');
  if (salt.length < 8 || key.length < 16 || key.length > 1024) return undefined;
  return { N, r, p, salt, key };
}

/** Constant-time check of a password against an encoded scrypt hash; false for a malformed hash. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const h = parseHash(encoded);
  if (!h) return false;
  const candidate = await scrypt(password, h.salt, h.key.length, { N: h.N, r: h.r, p: h.p, maxmem: maxmem(h.N, h.r) });
  return timingSafeEqual(candidate, h.key);
}

/** Whether a (valid) hash was made at another cost than SCRYPT_PARAMS, so the next login should re-hash it. */
export function needsRehash(encoded: string): boolean {
  const h = parseHash(encoded);
  if (!h) return false;
  const { N, r, p, keyBytes } = SCRYPT_PARAMS;
  return h.N !== N || h.r !== r || h.p !== p || h.key.length !== keyBytes;
}

/** An scrypt hash at the given cost (for tests of re-hashing and of older files). */
export async function hashPasswordWith(password: string, params: { N: number; r: number; p: number }): Promise<string> {
  const { saltBytes, keyBytes } = SCRYPT_PARAMS;
  const salt = randomBytes(saltBytes);
  const key = await scrypt(password, salt, keyBytes, { ...params, maxmem: maxmem(params.N, params.r) });
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64'), key.toString('base64')].join('$');
}

export function isPasswordHash(encoded: string): boolean {
  return parseHash(encoded) !== undefined;
}

export const API_KEY_TAG = 'kairos_';
/** `kairos_` + 32 random bytes in base64url (43 characters). */
export const API_KEY_PATTERN = /^kairos_[A-Za-z0-9_-]{43}$/;
/** Characters of the key kept for display: the tag plus 8 characters of the secret part. */
export const API_KEY_PREFIX_LENGTH = API_KEY_TAG.length + 8;

export function generateApiKey(): string {
  return API_KEY_TAG + randomBytes(32).toString('base64url');
}

/** `sha256$<base64url>`: the stored form of an API key and its lookup index. */
export function hashApiKey(key: string): string {
  return 'sha256$' + createHash('sha256').update(key, 'utf8').digest('base64url');
}

/** Constant-time string equality (lengths are not secret here). */
export function safeEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}

const PASSWORD_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/** A random password of unambiguous letters and digits (24 characters ≈ 140 bits). */
export function generatePassword(length = 24): string {
  let out = '';
  for (let i = 0; i < length; i++) out += PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)];
  return out;
}
