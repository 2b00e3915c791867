// Reading and saving jobs as a dialect does: a job that is not there (deleted meanwhile, or never
// made) is `undefined` rather than an error to catch; a save over a job read a moment ago is refused
// when someone else changed it since (the job's version, as an HTTP If-Match compares an ETag); and
// what a dialect wrote in its own words is shown only while the canonical job still says what it was
// translated to (a change through another API shows as the canonical job now is).
import type { Context } from 'koa';
import { KairosError, type ErrorKind } from '../../../core/errors.ts';
import type { Actor, JobService, JobView } from '../../../core/jobs/service.ts';

/** Whether `err` is a Kairos error of this kind. */
export const isKind = (err: unknown, kind: ErrorKind): boolean => err instanceof KairosError && err.kind === kind;

/** The promise's value, or undefined when it fails with `not_found`; every other failure passes through. */
export async function orMissing<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (isKind(err, 'not_found')) return undefined;
    throw err;
  }
}

/** A path parameter of the route ('' when the route has none of that name). */
export function param(ctx: Context, name: string): string {
  return (ctx.params as Record<string, string | undefined> | undefined)?.[name] ?? '';
}

/** A stored job's writable fields: what a full replace sends back, with the dialect's changes applied. */
export function writableOf(v: JobView): Record<string, unknown> {
  const { createdAt: _c, updatedAt: _u, version: _v, incarnation: _i, ...input } = v.job;
  return input;
}

/**
 * Replaces the job read as `current` with `input`, unless someone changed it since that read: then
 * the core's 409 `conflict` (naming `version`), and nothing is saved.
 */
export async function replaceUnchanged(jobs: Pick<JobService, 'replace'>, current: JobView, input: unknown, actor: Actor): Promise<JobView> {
  return await jobs.replace(current.job.id, input, actor, { expectedVersion: current.job.version });
}

/** JSON with sorted keys (undefined members left out, as JSON leaves them): equal for equal values. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * Whether the canonical value `current` differs from `expected`, the value a dialect's own text was
 * translated to when it wrote it (undefined: nothing was kept, so it counts as changed).
 */
export function changedSince(expected: unknown, current: unknown): boolean {
  return expected === undefined || stableJson(expected) !== stableJson(current);
}

/**
 * What the dialect wrote (`written`), while the canonical value it was translated to (`writtenFor`)
 * still is the job's (`current`); undefined once someone changed it, for the caller to render anew.
 */
export function asWritten<T>(written: T | undefined, writtenFor: unknown, current: unknown): T | undefined {
  return written !== undefined && !changedSince(writtenFor, current) ? written : undefined;
}
