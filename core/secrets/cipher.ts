// Secrets at rest: AES-256-GCM (node:crypto). Every value gets a random 12-byte nonce and is stored
// as base64 of nonce ‖ ciphertext ‖ tag, with associated data that names the row it belongs to (a
// secret's owner and name, a setting's key): a ciphertext copied into another row does not decrypt.
//
// The key: KAIROS_SECRET_KEY (validated in core/config.ts), or else `<dataDir>/secret.key`, made on
// the first start (mode 0600, created exclusively so processes starting together agree on one key).
// The store remembers which key it was set up with: a check value (a constant, encrypted) in the
// `settings` table. A process with another key (a second machine on the same PostgreSQL without the
// same KAIROS_SECRET_KEY, a restored database without its key file) stops at start with a message
// naming KAIROS_SECRET_KEY, so nothing is ever written with a second key.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Transaction } from 'kysely';
import { ConfigError, secretKeyBytes, type DatabaseConfig } from '../config.ts';
import type { Db } from '../db/open.ts';
import type { Tables } from '../db/schema.ts';

/** The environment variable holding the key (32 bytes as base64 or 64 hex characters). */
export const SECRET_KEY_VAR = 'KAIROS_SECRET_KEY';
/** The generated key's file in the data dir (base64, one line: what KAIROS_SECRET_KEY takes). */
export const SECRET_KEY_FILE = 'secret.key';
/** AES-256: a key is 32 bytes. */
export const SECRET_KEY_BYTES = 32;
/** The `settings` row whose value proves which key the store was set up with. */
export const KEY_CHECK_SETTING = 'secret-key-check';

const ALGORITHM = 'aes-256-gcm';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const CHECK_CONSTANT = Buffer.from('kairos secret key check v1');

/** Decryption failed: the ciphertext was changed, moved to another row, or written with another key. */
export class SecretDecryptError extends Error {}

/** The associated data of a secret's value: its owner and name (JSON, so no two pairs encode alike). */
export const secretAad = (owner: string, name: string) => JSON.stringify(['secret', owner, name]);
const settingAad = (key: string) => JSON.stringify(['setting', key]);

/** One AES-256-GCM key and where it came from (for messages; never the key itself). */
export class SecretCipher {
  /** A short fingerprint of the key (not the key): stored with every value as `key_id`. */
  readonly keyId: string;

  constructor(
    private readonly key: Buffer,
    /** Where the key came from, for messages: `KAIROS_SECRET_KEY` or the key file's path. */
    readonly source: string = 'a key given in code',
  ) {
    if (key.length !== SECRET_KEY_BYTES) throw new Error(`a secret key has ${SECRET_KEY_BYTES} bytes, not ${key.length}`);
    // A hash with a label of its own: the fingerprint says nothing usable about the key.
    this.keyId = createHash('sha256').update('kairos secret key id\0').update(key).digest('hex').slice(0, 12);
  }

  /** base64 of nonce ‖ ciphertext ‖ tag; `aad` binds it to its row. */
  encrypt(plain: Buffer | string, aad: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const c = createCipheriv(ALGORITHM, this.key, nonce, { authTagLength: TAG_BYTES });
    c.setAAD(Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([c.update(typeof plain === 'string' ? Buffer.from(plain, 'utf8') : plain), c.final()]);
    return Buffer.concat([nonce, body, c.getAuthTag()]).toString('base64');
  }

  /** The plaintext, or SecretDecryptError (tampered, another row's, another key's). */
  decrypt(sealed: string, aad: string): Buffer {
    const raw = Buffer.from(sealed, 'base64');
    if (raw.length < NONCE_BYTES + TAG_BYTES) throw new SecretDecryptError('the ciphertext is too short');
    try {
      const d = createDecipheriv(ALGORITHM, this.key, raw.subarray(0, NONCE_BYTES), { authTagLength: TAG_BYTES });
      d.setAAD(Buffer.from(aad, 'utf8'));
      d.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      return Buffer.concat([d.update(raw.subarray(NONCE_BYTES, raw.length - TAG_BYTES)), d.final()]);
    } catch {
      throw new SecretDecryptError('the ciphertext does not authenticate (changed, copied from another row, or written with another key)');
    }
  }

  /** A setting's value sealed with this key: `<key id>:<base64>`. */
  sealSetting(key: string, plain: Buffer): string {
    return `${this.keyId}:${this.encrypt(plain, settingAad(key))}`;
  }

  /** A sealed setting's plaintext; SecretDecryptError names the key id it was sealed with. */
  openSetting(key: string, value: string): Buffer {
    const at = value.indexOf(':');
    const keyId = at > 0 ? value.slice(0, at) : '?';
    try {
      return this.decrypt(value.slice(at + 1), settingAad(key));
    } catch (err) {
      if (keyId !== this.keyId) throw new SecretDecryptError(`sealed with key id ${keyId}, not ${this.keyId}`, { cause: err });
      throw err;
    }
  }
}

type Executor = Db['kysely'] | Transaction<Tables>;

/**
 * A sealed setting, made once: inserted if absent (`make` gives its plaintext), then read back, so
 * processes that start together all end up with the first one's value.
 */
export async function sealedSetting(db: Executor, cipher: SecretCipher, key: string, make: () => Buffer): Promise<Buffer> {
  const existing = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
  if (existing) return cipher.openSetting(key, existing.value);
  const now = new Date().toISOString();
  await db
    .insertInto('settings')
    .values({ key, value: cipher.sealSetting(key, make()), updated_at: now })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const row = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirstOrThrow();
  return cipher.openSetting(key, row.value);
}

const isErrno = (err: unknown, code: string) => (err as NodeJS.ErrnoException | null)?.code === code;

/** The key file's key, or undefined when there is no file; a malformed file stops the start. */
async function readKeyFile(file: string): Promise<Buffer | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
  const key = secretKeyBytes(text);
  if (!key) throw new ConfigError(`${file} is not a ${SECRET_KEY_BYTES}-byte key (base64): restore it from your backup, or set ${SECRET_KEY_VAR}`);
  return key;
}

/**
 * Makes the key file, or reads the one another process made first. Written whole under a temporary
 * name and then linked into place (link fails if the name exists), so no process ever reads half a key.
 */
async function createKeyFile(dir: string, file: string): Promise<Buffer> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const fh = await open(tmp, 'wx', 0o600);
    try {
      await fh.writeFile(`${randomBytes(SECRET_KEY_BYTES).toString('base64')}\n`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await link(tmp, file);
  } catch (err) {
    if (!isErrno(err, 'EEXIST')) throw err;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  const key = await readKeyFile(file);
  if (!key) throw new Error(`${file} vanished while it was being created`);
  return key;
}

/**
 * This process's cipher, checked against the store: KAIROS_SECRET_KEY (cfg.secretKey), else the key
 * file (made if the store is new). Throws a ConfigError naming KAIROS_SECRET_KEY when the key is not
 * the store's, or when the store has a key and this process none. openState calls it at start; the
 * API and the worker call it again for their stores (a read of one row).
 */
export async function openSecretCipher(db: Db, cfg: DatabaseConfig): Promise<SecretCipher> {
  const file = join(cfg.dataDir, SECRET_KEY_FILE);
  const stored = await db.kysely.selectFrom('settings').select('value').where('key', '=', KEY_CHECK_SETTING).executeTakeFirst();
  const storedKeyId = stored?.value.split(':')[0];
  let cipher: SecretCipher;
  if (cfg.secretKey) cipher = new SecretCipher(cfg.secretKey, SECRET_KEY_VAR);
  else {
    const fromFile = await readKeyFile(file);
    if (!fromFile && stored) {
      throw new ConfigError(
        `the state store at ${db.location} holds secrets encrypted with key id ${storedKeyId}, but ${SECRET_KEY_VAR} is not set and ${file} does not exist: ` +
          `set ${SECRET_KEY_VAR} to that key (the contents of the secret.key file of the instance that made it), or restore ${file} from your backup`,
      );
    }
    cipher = new SecretCipher(fromFile ?? (await createKeyFile(cfg.dataDir, file)), file);
  }
  try {
    await sealedSetting(db.kysely, cipher, KEY_CHECK_SETTING, () => CHECK_CONSTANT);
  } catch (err) {
    if (!(err instanceof SecretDecryptError)) throw err;
    throw new ConfigError(
      `the secret key from ${cipher.source} (key id ${cipher.keyId}) is not the key the state store at ${db.location} was set up with (key id ${storedKeyId}): ` +
        `every instance that shares this store needs the same ${SECRET_KEY_VAR} (or the same secret.key file). Kairos does not start with another key, so no secret is written with it.`,
      { cause: err },
    );
  }
  return cipher;
}
