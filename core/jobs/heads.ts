// Job heads: a read model of each job's definition in the state store, so that reading a job (GET,
// run-now, access checks, dependents) needs no DescribeSchedule — a query to the schedule's
// scheduler workflow, which times out under load. Temporal stays the truth: a head is a copy that
// is trusted only while the protocol below proves it equal to the schedule, and is repaired from the
// schedule otherwise. Every API process and worker shares the store, so what one acknowledges, all read.
//
// The protocol (JobStore's writes follow it):
//   begin(id)       before the Temporal write: adds the write's id to `pending` and increments
//                   `seq`; notes whether the write is alone (nothing else pending).
//   succeeded(t, j) after the write is known to have won: stores `j`, if the write was alone from its
//                   begin to now (seq unchanged). Writes that overlapped leave no way to tell which of
//                   them Temporal applied last, so then the definition is cleared (a read repairs it).
//   rejected(t)     Temporal refused the write (it changed nothing): the head stays as it was, if
//                   the write was alone; else it is cleared.
//   failed(t)       the write failed otherwise, so its outcome is unknown (a timeout may have
//                   applied it): clears the definition.
//   deleted(t)      the schedule is gone: clears the definition; the row stays as a tombstone.
// A reader trusts a head that has a definition and nothing pending. Otherwise it describes the
// schedule and repair()s the head from what it saw: only when nothing pending is younger than
// STALE_PENDING_MS (an older entry is a write whose process stopped mid-way), only if no write began
// since the reader looked (seq unchanged), and a missing row only while it is still missing (a
// tombstone outlives the bound, so a slow repair cannot bring back a job deleted meanwhile).
// So before the API acknowledges a write, the head holds it or is untrusted: every process reads it.
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/open.ts';
import type { Job } from './model.ts';
import { runPeriodically, type Periodic } from '../periodic.ts';

/**
 * A pending entry older than this is taken for a write that will never finish (its process
 * stopped), and a repair may clear it. Far longer than a write takes (a few Temporal RPCs, each
 * bounded by the client's deadlines); until then, reads of that job describe its schedule.
 */
export const STALE_PENDING_MS = 10 * 60_000;

/** What a write holds between begin() and its outcome. */
export interface HeadTicket {
  readonly jobId: string;
  readonly writeId: string;
  /** The row's seq right after this write began. */
  readonly seq: number;
  /** Nothing else was pending when this write began. */
  readonly solo: boolean;
}

/** A head as a reader found it. */
export interface HeadSnapshot {
  /** Whether there was a row (none: a job written before heads existed, or never written). */
  exists: boolean;
  /** The definition, when the head is trusted: set, and nothing pending. */
  trusted: { job: Job; writeId: string | undefined } | undefined;
  seq: number;
  pending: Record<string, string>;
  /** When the reader looked (ms). */
  readAt: number;
}

/** What the schedule holds (null: no such job). */
export type HeadTruth = { job: Job; writeId: string | undefined } | null;

type Pending = Record<string, string>;
/** The columns that hold a head's definition (all null: unknown). */
interface HeadValues {
  definition: string | null;
  incarnation: string | null;
  owner_id: string | null;
  version: number | null;
  write_id: string | null;
}

const parsePending = (text: string): Pending => JSON.parse(text) as Pending;

/**
 * Whether an id can be a key in the store: PostgreSQL text cannot hold NUL, so no job (and no
 * Temporal schedule, whose store refuses it too) has such an id — a read of one is a miss, not a query.
 */
const storable = (jobId: string): boolean => !jobId.includes('\u0000');

export class JobHeads {
  constructor(
    private readonly db: Db,
    private readonly now: () => Date = () => new Date(),
    private readonly staleMs = STALE_PENDING_MS,
  ) {}

  /** The row, locked for the transaction on PostgreSQL (SQLite's immediate transactions already serialize). */
  private locked(trx: Db['kysely'], jobId: string) {
    return trx
      .selectFrom('job_heads')
      .selectAll()
      .where('job_id', '=', jobId)
      .$if(this.db.backend === 'postgres', (q) => q.forUpdate())
      .executeTakeFirst();
  }

  /** Marks a write of `jobId` as in progress, before it reaches Temporal. */
  async begin(jobId: string, writeId: string = randomUUID()): Promise<HeadTicket> {
    const at = this.now().toISOString();
    return await this.db.kysely.transaction().execute(async (trx) => {
      await trx
        .insertInto('job_heads')
        .values({ job_id: jobId, pending: '{}', seq: 0, updated_at: at })
        .onConflict((oc) => oc.column('job_id').doNothing())
        .execute();
      const row = await this.locked(trx, jobId);
      if (!row) throw new Error(`job head '${jobId}' vanished inside its transaction`);
      const pending = parsePending(row.pending);
      const solo = Object.keys(pending).length === 0;
      pending[writeId] = at;
      const seq = row.seq + 1;
      await trx.updateTable('job_heads').set({ pending: JSON.stringify(pending), seq, updated_at: at }).where('job_id', '=', jobId).execute();
      return { jobId, writeId, seq, solo };
    });
  }

  /** The write won and Temporal now holds `job` (with `writeId` in its action). */
  async succeeded(t: HeadTicket, job: Job, writeId: string | undefined): Promise<void> {
    await this.finish(t, (row, pending) =>
      t.solo && row.seq === t.seq && Object.keys(pending).length === 0
        ? {
            definition: JSON.stringify(job),
            incarnation: job.incarnation ?? null,
            owner_id: job.ownerId,
            version: job.version,
            write_id: writeId ?? null,
          }
        : undefined,
    );
  }

  /**
   * Temporal refused the write: it changed nothing. The head stays as it was if no other write
   * overlapped this one (an overlapping one may have changed the schedule); else it is cleared.
   */
  async rejected(t: HeadTicket): Promise<void> {
    await this.finish(t, (row, pending, kept) => (t.solo && row.seq === t.seq && Object.keys(pending).length === 0 ? kept : undefined));
  }

  /** The write failed, or it may have applied without this process knowing: the head is unknown. */
  async failed(t: HeadTicket): Promise<void> {
    await this.finish(t, () => undefined);
  }

  /** The schedule was deleted. */
  async deleted(t: HeadTicket): Promise<void> {
    await this.finish(t, () => undefined);
  }

  /** Takes the write's entry off; stores what `known` gives, else clears the definition. */
  private async finish(
    t: HeadTicket,
    known: (row: { seq: number }, pendingWithout: Pending, kept: HeadValues) => HeadValues | undefined,
  ): Promise<void> {
    const at = this.now().toISOString();
    await this.db.kysely.transaction().execute(async (trx) => {
      const row = await this.locked(trx, t.jobId);
      if (!row) return; // purged meanwhile: no row is untrusted too
      const pending = parsePending(row.pending);
      const wasPending = Object.hasOwn(pending, t.writeId);
      delete pending[t.writeId];
      // A repair that took this write for a stopped one has moved seq on, so `known` refuses it.
      const kept: HeadValues = { definition: row.definition, incarnation: row.incarnation, owner_id: row.owner_id, version: row.version, write_id: row.write_id };
      const values = wasPending ? known(row, pending, kept) : undefined;
      await trx
        .updateTable('job_heads')
        .set({
          pending: JSON.stringify(pending),
          updated_at: at,
          ...(values ?? { definition: null, incarnation: null, owner_id: null, version: null, write_id: null }),
        })
        .where('job_id', '=', t.jobId)
        .execute();
    });
  }

  /** The head of `jobId` as it is now. */
  async read(jobId: string): Promise<HeadSnapshot> {
    const readAt = this.now().getTime();
    if (!storable(jobId)) return { exists: false, trusted: undefined, seq: 0, pending: {}, readAt };
    const row = await this.db.kysely.selectFrom('job_heads').selectAll().where('job_id', '=', jobId).executeTakeFirst();
    if (!row) return { exists: false, trusted: undefined, seq: 0, pending: {}, readAt };
    const pending = parsePending(row.pending);
    const trusted =
      row.definition !== null && Object.keys(pending).length === 0 ? { job: JSON.parse(row.definition) as Job, writeId: row.write_id ?? undefined } : undefined;
    return { exists: true, trusted, seq: row.seq, pending, readAt };
  }

  /**
   * Stores what a reader saw in the schedule after finding `seen` (the snapshot it read before its
   * describe) untrusted. Does nothing while a write is in progress, or if one began meanwhile.
   * Returns whether it stored anything.
   */
  async repair(jobId: string, seen: HeadSnapshot, truth: HeadTruth): Promise<boolean> {
    if (!storable(jobId)) return false;
    const now = this.now();
    const at = now.toISOString();
    const young = (iso: string) => now.getTime() - Date.parse(iso) < this.staleMs;
    if (Object.values(seen.pending).some(young)) return false; // a write in progress will store its outcome
    const values = (t: NonNullable<HeadTruth>) => ({
      definition: JSON.stringify(t.job),
      incarnation: t.job.incarnation ?? null,
      owner_id: t.job.ownerId,
      version: t.job.version,
      write_id: t.writeId ?? null,
    });
    if (!seen.exists) {
      // A job from before heads existed (lazy backfill). Only while there is still no row: a write
      // that began since made one. A reader slower than half the bound stores nothing: a tombstone
      // (see below) outlives it, so a delete that came between cannot be undone by this insert.
      if (truth === null || now.getTime() - seen.readAt > this.staleMs / 2) return false;
      const inserted = await this.db.kysely
        .insertInto('job_heads')
        .values({ job_id: jobId, pending: '{}', seq: 1, updated_at: at, ...values(truth) })
        .onConflict((oc) => oc.column('job_id').doNothing())
        .executeTakeFirst();
      return Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0;
    }
    return await this.db.kysely.transaction().execute(async (trx) => {
      const row = await this.locked(trx, jobId);
      if (!row || row.seq !== seen.seq) return false;
      if (truth === null && row.definition === null && Object.keys(parsePending(row.pending)).length === 0) {
        // A tombstone: kept until no reader that saw no row before the delete can still be repairing.
        if (now.getTime() - Date.parse(row.updated_at) <= this.staleMs) return false;
        await trx.deleteFrom('job_heads').where('job_id', '=', jobId).where('seq', '=', row.seq).execute();
        return true;
      }
      await trx
        .updateTable('job_heads')
        .set({
          pending: '{}',
          seq: row.seq + 1,
          updated_at: at,
          ...(truth === null ? { definition: null, incarnation: null, owner_id: null, version: null, write_id: null } : values(truth)),
        })
        .where('job_id', '=', jobId)
        .execute();
      return true;
    });
  }

  /**
   * Deletes heads that hold nothing (deleted jobs' tombstones, and heads cleared by overlapping
   * writes: a read backfills those again) once they are older than the bound, `batch` at a time.
   * A row a write has begun on since is not taken: its entry is pending and its time fresh.
   */
  async purge(batch = 1000): Promise<number> {
    const cutoff = new Date(this.now().getTime() - this.staleMs).toISOString();
    let total = 0;
    for (;;) {
      const r = await this.db.kysely
        .deleteFrom('job_heads')
        .where('job_id', 'in', (eb) =>
          eb.selectFrom('job_heads').select('job_id').where('definition', 'is', null).where('pending', '=', '{}').where('updated_at', '<', cutoff).limit(batch),
        )
        .where('definition', 'is', null)
        .where('pending', '=', '{}')
        .where('updated_at', '<', cutoff)
        .executeTakeFirst();
      const n = Number(r.numDeletedRows);
      total += n;
      if (n < batch) return total;
    }
  }

  /** Purges now and then every `intervalMs` until stopped; a failure is reported and tried again at the next tick. */
  startPurge(intervalMs: number, report: (err: unknown) => void): Periodic {
    return runPeriodically(() => this.purge(), intervalMs, report);
  }
}
