// Where Volt MX job ids come from: the state store's `voltmx-jobs` sequence (core/ids/sequence.ts).
// A deployment upgraded from the registry workflow starts the sequence past every number it handed
// out, and past every Volt MX job that exists (should the registry's history be gone).
import type { TemporalGateway } from '../../../core/temporal/gateway.ts';
import type { Db } from '../../../core/db/open.ts';
import { legacyRegistryNext, retireLegacyRegistry } from '../../../core/ids/legacy-registry.ts';
import { SequenceAllocator, type NumberAllocator } from '../../../core/ids/sequence.ts';
import type { JobStore } from '../../../core/jobs/store.ts';
import { jobIdOfCanonical } from './mapping.ts';

/** The sequence Volt MX job ids come from. */
export const VOLTMX_JOB_SEQUENCE = 'voltmx-jobs';

/** The highest Volt MX job id in the schedule list (0 if none). */
export async function highestVoltmxJobId(store: Pick<JobStore, 'list'>): Promise<number> {
  let highest = 0;
  let cursor: string | undefined;
  do {
    const page = await store.list({ dialect: 'voltmx', pageSize: 1000, cursor });
    for (const s of page.items) highest = Math.max(highest, jobIdOfCanonical(s.id) ?? 0);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return highest;
}

/** Volt MX job ids, from the state store; seeded on first use as the header says (`name`: tests only). */
export function voltmxJobIds(db: Db, temporal: TemporalGateway, store: Pick<JobStore, 'list'>, name = VOLTMX_JOB_SEQUENCE): NumberAllocator {
  return new SequenceAllocator(db, name, {
    first: async () => {
      const [registry, highest] = await Promise.all([legacyRegistryNext(temporal, name), highestVoltmxJobId(store)]);
      return Math.max(registry ?? 1, highest + 1);
    },
    // Best effort: a registry left running does no harm (no worker runs its type any more), and the
    // allocation that seeded the row must not fail for it.
    seeded: () => retireLegacyRegistry(temporal, name).catch(() => undefined),
  });
}
