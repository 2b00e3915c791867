// Imports `<dataDir>/secrets.json`, the secret store of the releases before the state store, with
// every value encrypted on its way in. Version 1 (before owners) holds the operator's secrets;
// version 2 is keyed by owner, then name, with an optional share list (named users or all users).
// A secret that is already in the store (the same file imported on another machine first, or a
// secret made since) is kept as it is.
import { z } from 'zod';
import type { Transaction } from 'kysely';
import type { LegacyImport } from '../db/legacy.ts';
import type { Tables } from '../db/schema.ts';
import { secretAad, type SecretCipher } from './cipher.ts';
import { SECRET_NAME_PATTERN } from './refs.ts';
import { OPERATOR, shareRows } from './store.ts';

/** The older releases' secret store, in the data dir. */
export const SECRETS_FILE = 'secrets.json';

const EntrySchema = z.object({
  value: z.string(),
  updatedAt: z.string(),
  sharedWith: z.object({ all: z.boolean(), users: z.array(z.string()) }).optional(),
});
type Entry = z.infer<typeof EntrySchema>;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The file's secrets as [owner, name, entry]. Owners and names are read with Object.entries of the
 * parsed JSON (own keys only, so "__proto__" is a name like any other). Messages never quote the
 * file: its paths would name secrets, and JSON.parse's own messages quote the text.
 */
function parseFile(text: string): [string, string, Entry][] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error('it is not valid JSON');
  }
  const malformed = () => new Error('it is malformed (expected {"version": 1, "secrets": {…}} or {"version": 2, "owners": {…}})');
  if (!isRecord(raw)) throw malformed();
  const owners: [string, unknown][] | undefined =
    raw.version === 1 && isRecord(raw.secrets) ? [[OPERATOR, raw.secrets]] : raw.version === 2 && isRecord(raw.owners) ? Object.entries(raw.owners) : undefined;
  if (!owners) throw malformed();
  const out: [string, string, Entry][] = [];
  for (const [owner, secrets] of owners) {
    if (!isRecord(secrets)) throw malformed();
    for (const [name, e] of Object.entries(secrets)) {
      const parsed = EntrySchema.safeParse(e);
      if (!parsed.success || !SECRET_NAME_PATTERN.test(name)) throw malformed();
      out.push([owner, name, parsed.data]);
    }
  }
  return out;
}

/** The importer of secrets.json, encrypting with `cipher` (the key openState checked). */
export function secretsImport(cipher: SecretCipher): LegacyImport {
  return {
    file: SECRETS_FILE,
    async run(trx: Transaction<Tables>, text: string, { now }) {
      const secrets = parseFile(text);
      // Encrypted before the first statement: the transaction runs statements only.
      const rows = secrets.map(([owner, name, e]) => ({
        row: { owner_id: owner, name, ciphertext: cipher.encrypt(e.value, secretAad(owner, name)), key_id: cipher.keyId, created_at: e.updatedAt || now, updated_at: e.updatedAt || now },
        shares: e.sharedWith ? shareRows(e.sharedWith) : [],
      }));
      for (const { row, shares } of rows) {
        const inserted = await trx
          .insertInto('secrets')
          .values(row)
          .onConflict((oc) => oc.columns(['owner_id', 'name']).doNothing())
          .returning('name')
          .executeTakeFirst();
        if (!inserted || shares.length === 0) continue;
        await trx
          .insertInto('secret_shares')
          .values(shares.map((principal_id) => ({ owner_id: row.owner_id, name: row.name, principal_id })))
          .onConflict((oc) => oc.columns(['owner_id', 'name', 'principal_id']).doNothing())
          .execute();
      }
    },
  };
}
