// The schedule spec a job's last write compiled, recomputed from the stored definition: relative
// times resolve from its updatedAt (the instant the write compiled them at, see JobService.write),
// with the job's own bounds, jitter and run cap. Reads that answer a job's next fire time without
// describing its schedule use it; the compiler's proof (test/integration/compiler-vs-temporal)
// holds the evaluator's times equal to Temporal's for what it compiles.
import { parseDurationMs } from '../duration.ts';
import { compileTriggers, type CompileOptions, type CompiledSpec } from '../triggers/compile.ts';
import type { Job, JobSpec } from './model.ts';

/** The compiler's options for a job's triggers: its zone, bounds, jitter and run cap, at `now`. */
export function compileOptionsOf(spec: JobSpec, now: Date, settled: readonly number[] = []): CompileOptions {
  return {
    now,
    timezone: spec.timezone,
    startOn: spec.startOn ? new Date(spec.startOn) : undefined,
    endOn: spec.endOn ? new Date(spec.endOn) : undefined,
    jitterMs: spec.jitter ? parseDurationMs(spec.jitter) : undefined,
    maxRuns: spec.maxRuns,
    fireOverdue: spec.enabled,
    settled,
    ...(spec.dst ? { dst: spec.dst } : {}),
  };
}

/**
 * The spec as written (null: manual only), or undefined when it no longer compiles. `once` times the
 * previous version had (the write's `settled`) are not known here; they change only whether a past
 * time fired at once or stood as a past calendar time, never a future fire time — and the run cap,
 * which reads that need it take from the schedule.
 */
export function specAsWritten(job: Job): CompiledSpec | null | undefined {
  try {
    return compileTriggers(job.triggers, compileOptionsOf(job, new Date(job.updatedAt))).spec;
  } catch {
    return undefined;
  }
}
