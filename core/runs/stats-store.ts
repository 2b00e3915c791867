// The hourly run rollup in the state store (table run_stats_hourly; arithmetic in ./rollup.ts).
// Writers only add: `insert … on conflict do update set n = n + excluded.n` (maxima by the larger),
// so any number of workers (and the abort path of any API instance) write the same rows without
// reading them first. Readers sum the rows of a scope per hour in SQL (at most 30 × 24 rows come back).
import { sql, type ExpressionBuilder } from 'kysely';
import type { Db } from '../db/open.ts';
import type { HistogramBucket, Tables } from '../db/schema.ts';
import { runPeriodically, type Periodic } from '../periodic.ts';
import { HISTOGRAM_BUCKETS, ROLLUP_RETENTION_MS, type Measure, type RollupDelta, type RollupSum } from './rollup.ts';

const BUCKETS = Array.from({ length: HISTOGRAM_BUCKETS }, (_, i) => String(i).padStart(2, '0') as HistogramBucket);
const COUNTS = ['succeeded', 'failed', 'aborted', 'skipped'] as const;
const MEASURES = [
  { key: 'duration', prefix: 'd' },
  { key: 'lateness', prefix: 'l' },
] as const;
/** Columns added to on conflict (counts, measure counts and sums, histogram buckets). */
const ADDED = [...COUNTS, ...MEASURES.flatMap((m) => [`${m.key}_count`, `${m.key}_sum_ms`, ...BUCKETS.map((b) => `${m.prefix}${b}`)])];
const MAXED = MEASURES.map((m) => `${m.key}_max_ms`);
/** Every value column, in insert order after the key and owner. */
const VALUE_COLUMNS = [...COUNTS, ...MEASURES.flatMap((m) => [`${m.key}_count`, `${m.key}_sum_ms`, `${m.key}_max_ms`, ...BUCKETS.map((b) => `${m.prefix}${b}`)])];
/** Rows per insert statement: 50 parameters each, 10,000 a statement, below SQLite's (32,766) and PostgreSQL's (65,535) limits. */
const CHUNK = 200;

/** Whose rows a read sums (all optional; ANDed; none: every row). */
export interface RollupScope {
  /** Only these job creations. */
  jobs?: { id: string; incarnation: string }[];
  /** Only rows of jobs this principal owned, or of `sharedJobs`. */
  owner?: string;
  /** Job creations that show despite `owner` (jobs shared with that principal). */
  sharedJobs?: { id: string; incarnation: string }[];
}

const measureValues = (m: Measure): number[] => [m.count, m.sumMs, m.maxMs, ...m.hist];

export class RunStatsStore {
  constructor(private readonly db: Db) {}

  /** Adds the increments (one per row key: the caller merges first; PostgreSQL refuses one statement touching a row twice). */
  async add(deltas: readonly RollupDelta[]): Promise<void> {
    const greatest = this.db.backend === 'postgres' ? 'greatest' : 'max';
    const updates = sql.join([
      sql`owner_id = excluded.owner_id`,
      ...ADDED.map((c) => sql`${sql.id(c)} = ${sql.ref(`run_stats_hourly.${c}`)} + ${sql.ref(`excluded.${c}`)}`),
      ...MAXED.map((c) => sql`${sql.id(c)} = ${sql.raw(greatest)}(${sql.ref(`run_stats_hourly.${c}`)}, ${sql.ref(`excluded.${c}`)})`),
    ]);
    const columns = sql.join(['job_id', 'incarnation', 'hour', 'owner_id', ...VALUE_COLUMNS].map((c) => sql.id(c)));
    for (let i = 0; i < deltas.length; i += CHUNK) {
      const rows = deltas.slice(i, i + CHUNK).map(
        (d) => sql`(${sql.join([d.jobId, d.incarnation, d.hour, d.ownerId, d.succeeded, d.failed, d.aborted, d.skipped, ...measureValues(d.duration), ...measureValues(d.lateness)])})`,
      );
      await sql`insert into run_stats_hourly (${columns}) values ${sql.join(rows)}
        on conflict (job_id, incarnation, hour) do update set ${updates}`.execute(this.db.kysely);
    }
  }

  /** The rows of `scope` with from ≤ hour < to, summed per hour (keyed by the hour's ISO start). */
  async sums(scope: RollupScope, from: Date, to: Date): Promise<Map<string, RollupSum>> {
    const out = new Map<string, RollupSum>();
    if (scope.jobs?.length === 0) return out;
    const num = (v: unknown): number => Number(v ?? 0);
    const selections = [...ADDED.map((c) => sql<string>`sum(${sql.ref(c)})`.as(c)), ...MAXED.map((c) => sql<string>`max(${sql.ref(c)})`.as(c))];
    let q = this.db.kysely
      .selectFrom('run_stats_hourly')
      .select('hour')
      .select(selections)
      .where('hour', '>=', from.toISOString())
      .where('hour', '<', to.toISOString());
    const pair = (j: { id: string; incarnation: string }) => (eb: ExpressionBuilder<Tables, 'run_stats_hourly'>) =>
      eb.and([eb('job_id', '=', j.id), eb('incarnation', '=', j.incarnation)]);
    if (scope.jobs) {
      const jobs = scope.jobs;
      q = q.where((eb) => eb.or(jobs.map((j) => pair(j)(eb))));
    }
    if (scope.owner !== undefined) {
      const owner = scope.owner;
      const shared = scope.sharedJobs ?? [];
      q = q.where((eb) => eb.or([eb('owner_id', '=', owner), ...shared.map((j) => pair(j)(eb))]));
    }
    const rows = (await q.groupBy('hour').execute()) as unknown as Record<string, unknown>[];
    for (const r of rows) {
      const measure = (key: string, prefix: string): Measure => ({
        count: num(r[`${key}_count`]),
        sumMs: num(r[`${key}_sum_ms`]),
        maxMs: num(r[`${key}_max_ms`]),
        hist: BUCKETS.map((b) => num(r[`${prefix}${b}`])),
      });
      out.set(new Date(String(r.hour)).toISOString(), {
        succeeded: num(r.succeeded),
        failed: num(r.failed),
        aborted: num(r.aborted),
        skipped: num(r.skipped),
        duration: measure('duration', 'd'),
        lateness: measure('lateness', 'l'),
      });
    }
    return out;
  }

  /** Deletes the rows of hours before `before`; returns how many. */
  async prune(before: Date): Promise<number> {
    const res = await this.db.kysely.deleteFrom('run_stats_hourly').where('hour', '<', before.toISOString()).executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  /** Prunes rows older than ROLLUP_RETENTION_MS now and every `intervalMs` (core/periodic.ts). */
  startPrune(intervalMs: number, report: (err: unknown) => void): Periodic {
    return runPeriodically(() => this.prune(new Date(Date.now() - ROLLUP_RETENTION_MS)), intervalMs, report);
  }
}
