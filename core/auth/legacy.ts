// Imports `<dataDir>/auth.json`, where users and API keys lived before the state store (format
// version 1), into the principals and api_keys tables. Users and keys keep their ids, hashes, roles
// and credential versions, so passwords, keys and the login tokens already issued keep working.
// Runs inside the import framework's transaction (core/db/legacy.ts): only DB statements are awaited.
import { z } from 'zod';
import type { LegacyImport } from '../db/legacy.ts';

/** The file's name in the data dir (renamed `auth.json.imported` once imported). */
export const AUTH_FILE = 'auth.json';

const Role = z.enum(['admin', 'user']);
const AuthFile = z.object({
  version: z.literal(1),
  users: z.array(
    z.object({
      id: z.string().min(1),
      username: z.string().min(1),
      role: Role,
      passwordHash: z.string().min(1),
      createdAt: z.string(),
      // Absent in files written before tokens were bound to it: 0.
      credentialVersion: z.number().int().nonnegative().optional(),
    }),
  ),
  apiKeys: z.array(
    z.object({
      id: z.string().min(1),
      name: z.string(),
      ownerId: z.string().min(1),
      role: Role,
      keyHash: z.string().min(1),
      prefix: z.string(),
      createdAt: z.string(),
      lastUsedAt: z.string().optional(),
    }),
  ),
});

/** The importer of auth.json, for core/db/state.ts's legacyImports(). */
export const authFileImport: LegacyImport = {
  file: AUTH_FILE,
  async run(trx, text) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`${AUTH_FILE} is not valid JSON`);
    }
    const parsed = AuthFile.safeParse(json);
    // Names the bad fields (fixed field names and array indexes), never their values: they are hashes.
    if (!parsed.success) throw new Error(`${AUTH_FILE} is malformed: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const data = parsed.data;
    const imported = new Set<string>();
    for (const u of data.users) {
      const existing = await trx.selectFrom('principals').select(['id', 'name']).where((eb) => eb.or([eb('id', '=', u.id), eb('name', '=', u.username)])).executeTakeFirst();
      if (existing) {
        // The same user, already in a store shared with another machine's data dir: keep the store's.
        if (existing.id === u.id && existing.name === u.username) {
          imported.add(u.id);
          continue;
        }
        throw new Error(`user '${u.username}' (${u.id}) conflicts with '${existing.name}' (${existing.id}) already in the state store`);
      }
      await trx
        .insertInto('principals')
        .values({
          id: u.id,
          kind: 'user',
          name: u.username,
          role: u.role,
          password_hash: u.passwordHash,
          credential_version: u.credentialVersion ?? 0,
          created_at: u.createdAt,
        })
        .execute();
      imported.add(u.id);
    }
    for (const k of data.apiKeys) {
      // A key whose owner is gone never authenticated anyone: nothing to keep.
      if (!imported.has(k.ownerId)) continue;
      await trx
        .insertInto('api_keys')
        .values({
          id: k.id,
          name: k.name,
          owner_id: k.ownerId,
          role: k.role,
          key_hash: k.keyHash,
          prefix: k.prefix,
          created_at: k.createdAt,
          last_used_at: k.lastUsedAt ?? null,
        })
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
  },
};
