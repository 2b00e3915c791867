// Imports `<dataDir>/shares.json`, the file Informer's shares lived in before the state store: job id →
// principal id → level (1 read, 2 edit and run, 3 also share), with the incarnation each job's shares
// were made for (absent: a legacy job's, or a file written before incarnations). Levels become the
// store's: 1 → read, 2 → edit, 3 → admin. Rows already in the store win (another instance may have
// imported or changed them first).
import { z } from 'zod';
import type { LegacyImport } from '../db/legacy.ts';
import type { ShareLevel } from '../db/schema.ts';

const FileSchema = z.object({
  version: z.literal(1),
  jobs: z.record(z.string().min(1), z.record(z.string().min(1), z.union([z.literal(1), z.literal(2), z.literal(3)]))),
  incarnations: z.record(z.string(), z.string()).optional(),
});

/** A path into the file with its keys replaced by what they are: `jobs.<job>.<principal>`. */
function shape(path: readonly PropertyKey[]): string {
  const names = ['', '<job>', '<principal>'];
  return path.map((k, i) => (i === 0 ? String(k) : (names[i] ?? '<key>'))).join('.') || '(root)';
}

const LEVELS: Record<1 | 2 | 3, ShareLevel> = { 1: 'read', 2: 'edit', 3: 'admin' };

export const sharesImport: LegacyImport = {
  file: 'shares.json',
  async run(trx, text, { now }) {
    const parsed = FileSchema.safeParse(JSON.parse(text));
    // The message names where the file is wrong, not what it holds (job and principal ids stay out).
    if (!parsed.success) throw new Error(`not a shares file: ${parsed.error.issues.map((i) => `${shape(i.path)} ${i.message}`).join('; ')}`);
    const { jobs, incarnations = {} } = parsed.data;
    const rows = Object.entries(jobs).flatMap(([jobId, shares]) =>
      Object.entries(shares).map(([principalId, level]) => ({
        job_id: jobId,
        incarnation: Object.hasOwn(incarnations, jobId) ? (incarnations[jobId] ?? '') : '',
        principal_id: principalId,
        level: LEVELS[level],
        created_at: now,
        created_by: null,
      })),
    );
    for (let i = 0; i < rows.length; i += 500) {
      await trx.insertInto('job_shares').values(rows.slice(i, i + 500)).onConflict((oc) => oc.columns(['job_id', 'principal_id']).doNothing()).execute();
    }
  },
};
