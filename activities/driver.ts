// What every driver shares, so each driver file holds only its own work:
// - job data may hold `{"$secret": "NAME"}`: resolved here, in memory, right before the driver runs,
//   for the job's owner (core/secrets/access.ts): a secret the owner may not use fails the run, not
//   retried, before the driver sends anything; a driver records its input as written (`written`);
// - every value that leaves the activity (output, failure message and details, progress) is masked,
//   so a target that echoes a secret back cannot put it into workflow history or logs;
// - a heartbeat every second carries the driver's progress and delivers stop (cancellation);
// - payloads are kept per the job's history strategy: OFF/MINIMAL none, ERROR failed runs only, FULL all;
// - whatever a driver throws becomes an ApplicationFailure carrying the attempt number.
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { z } from 'zod';
import type { DriverContext, DriverFailureDetails, DriverResult, HistoryStrategy, RunProgress } from '../core/runs/types.ts';
import { findSecretRefs, masker, resolveSecretRefs, SecretRefError } from '../core/secrets/refs.ts';
import type { SecretSource } from '../core/secrets/access.ts';
import type { DriverMetrics } from './metrics.ts';

export interface DriverRuntime extends DriverContext {
  /** Aborted when the run is stopped (cancelled) or the worker shuts down. */
  signal: AbortSignal;
  attempt: number;
  /**
   * The job's data as written, secret references unresolved: what a driver shows of its input
   * (e.g. the http driver's recorded request), so a run record never holds a resolved value.
   */
  written: unknown;
  /** Reports progress; it travels with the next heartbeat and is readable while the run is in flight. */
  progress(p: RunProgress): void;
  /** The worker's driver metrics (absent where a driver runs outside a worker, e.g. unit tests). */
  metrics?: DriverMetrics;
}

export interface DriverImpl<S extends z.ZodType = z.ZodType> {
  type: string;
  /** The schema the resolved data (secrets substituted) must match. */
  schema: S;
  run(data: z.output<S>, rt: DriverRuntime): Promise<unknown>;
}

/** Keeps a payload only where the history strategy says so. */
export function keepPayload(strategy: HistoryStrategy, failed: boolean): boolean {
  return strategy === 'FULL' || (strategy === 'ERROR' && failed);
}

export const HEARTBEAT_EVERY_MS = 1000;

/**
 * Turns a driver into the activity the worker registers under the job type; with `metrics`, each
 * attempt counts as in flight while it runs and as a driver error (by failure type) when it fails.
 */
export function driverActivity(impl: DriverImpl, secrets: SecretSource, metrics?: DriverMetrics): (data: unknown, ctx: DriverContext) => Promise<DriverResult> {
  const attempt = attemptOf(impl, secrets, metrics);
  if (!metrics) return attempt;
  return async (rawData, ctx) => {
    const ended = metrics.attemptStarted(impl.type);
    try {
      return await attempt(rawData, ctx);
    } catch (err) {
      // A stop (cancellation) is no error of the driver's.
      if (err instanceof ApplicationFailure) metrics.driverError(impl.type, err.type);
      throw err;
    } finally {
      ended();
    }
  };
}

function attemptOf(impl: DriverImpl, secrets: SecretSource, metrics: DriverMetrics | undefined): (data: unknown, ctx: DriverContext) => Promise<DriverResult> {
  return async (rawData, ctx) => {
    const actx = Context.current();
    const attempt = actx.info.attempt;
    let mask = masker([]);
    // Start from the previous attempt's progress, so the first heartbeat of a retry does not erase its checkpoint.
    let last = actx.info.heartbeatDetails as RunProgress | undefined;
    let resolved: unknown;
    try {
      const refs = findSecretRefs(rawData);
      if (refs.length === 0) resolved = rawData;
      else {
        // For the owner the workflow passed (the job's, never the caller's); roles as they are now.
        const lookup = await secrets.lookup({ ownerId: ctx.ownerId, type: impl.type, data: rawData });
        const r = resolveSecretRefs(rawData, (name) => {
          const res = lookup(name);
          return res.ok ? res.entry.value : { message: res.message };
        });
        resolved = r.data;
        mask = masker(r.values);
      }
    } catch (err) {
      if (err instanceof SecretRefError) {
        throw ApplicationFailure.create({ message: `data.${err.path}: ${err.message}`, type: 'SecretNotAvailable', nonRetryable: true, details: [{ attempt }] });
      }
      throw err;
    }
    const parsed = impl.schema.safeParse(resolved);
    if (!parsed.success) {
      // Paths and messages only: the values may be secrets.
      const msg = parsed.error.issues.map((i) => `data.${i.path.join('.')}: ${i.message}`).join('; ');
      throw ApplicationFailure.create({ message: mask(`invalid job data: ${msg}`), type: 'InvalidJobData', nonRetryable: true, details: [{ attempt }] });
    }
    const beat = () => actx.heartbeat(last ? mask(last) : undefined);
    const timer = setInterval(beat, HEARTBEAT_EVERY_MS);
    beat();
    const rt: DriverRuntime = {
      ...ctx,
      signal: actx.cancellationSignal,
      attempt,
      written: rawData,
      metrics,
      progress(p) {
        last = p;
      },
    };
    // Each line carries the run's request id, job id and run id (worker/telemetry.ts).
    actx.log.info('driver attempt started', { driver: impl.type, attempt });
    const started = performance.now();
    try {
      const output = await impl.run(parsed.data, rt);
      actx.log.info('driver attempt succeeded', { driver: impl.type, attempt, ms: Math.round(performance.now() - started) });
      return mask({ attempt, output: keepPayload(ctx.historyStrategy, false) ? output : undefined, progress: last });
    } catch (err) {
      if (actx.cancellationSignal.aborted) {
        actx.log.info('driver attempt stopped', { driver: impl.type, attempt, ms: Math.round(performance.now() - started) });
        // Reported as cancelled (not failed): the run ends Canceled.
        throw err instanceof CancelledFailure ? err : new CancelledFailure(mask(String((err as Error)?.message ?? 'cancelled')));
      }
      const failure = toFailure(err, attempt, ctx.historyStrategy, mask);
      // The masked message only: the driver's own error may quote a secret.
      actx.log.warn('driver attempt failed', { driver: impl.type, attempt, ms: Math.round(performance.now() - started), errorType: failure.type, message: failure.message });
      throw failure;
    } finally {
      clearInterval(timer);
    }
  };
}

function toFailure(err: unknown, attempt: number, strategy: HistoryStrategy, mask: <T>(v: T) => T): ApplicationFailure {
  if (err instanceof ApplicationFailure) {
    const d = err.details?.[0] as { output?: unknown } | undefined;
    const details: DriverFailureDetails = { attempt, output: keepPayload(strategy, true) ? d?.output : undefined };
    return ApplicationFailure.create({ message: mask(err.message), type: err.type ?? 'Error', nonRetryable: err.nonRetryable ?? undefined, details: [mask(details)] });
  }
  const e = err as Error & { cause?: { message?: string; code?: string } };
  const cause = e?.cause?.code ?? e?.cause?.message;
  const message = `${e?.message ?? String(err)}${cause ? ` (${cause})` : ''}`;
  return ApplicationFailure.create({ message: mask(message), type: e?.name && e.name !== 'Error' ? e.name : 'DriverError', details: [{ attempt }] });
}
