// Length caps on the free strings the API accepts, in one table (README, "Input limits"). The shared
// models (core/jobs/model.ts, core/triggers/model.ts, the drivers' data schemas) use them, so every
// API surface gets them. A cap is checked first and stops the checks after it, so no parser, regex
// or time-zone lookup ever sees an over-long string: the answer is a 400 naming the field.
import { z } from 'zod';

export const LIMITS = {
  /** A URL a job calls or reads (http driver, datasource HTTP source and sink). */
  url: 8192,
  /** Ids: a job id, a job trigger's jobId, an owner id. */
  id: 200,
  /** A job's name. */
  name: 200,
  /** A natural-id slug. */
  slug: 100,
  /** A driver type name. */
  type: 50,
  description: 4000,
  notes: 20_000,
  /** One tag (50 at most). */
  tag: 100,
  /** A cron expression. */
  expression: 1000,
  /** An IANA time zone name. */
  timezone: 100,
  /** A duration or an RFC 3339 instant. */
  instant: 100,
  /** An HTTP header name a job sends. */
  headerName: 256,
  /** An HTTP header value or query parameter value a job sends. */
  headerValue: 8192,
  /** A query parameter name a job sends. */
  queryName: 1024,
  /** An error type name (retry.nonRetryableErrors). */
  errorName: 200,
  /** A file path on the worker (datasource file source and NDJSON sink). */
  path: 4096,
  /** A field or column name in a datasource mapping, key or CSV columns. */
  field: 256,
} as const;

/** A string of at most `max` characters, checked before anything else looks at it. */
export function cappedString(max: number, opts: { error?: string } = {}) {
  const base = opts.error === undefined ? z.string() : z.string({ error: opts.error });
  return base.max(max, { message: `must be at most ${max} characters`, abort: true });
}
