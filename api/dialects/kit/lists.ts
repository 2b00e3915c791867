// Job lists of the dialects. A list reads one page of the schedule list, never all of it: `?limit=`
// within a maximum, `?cursor=` from the previous page's X-Kairos-Next-Cursor header (Kairos additions
// to each dialect's list endpoints). Each listed job is then read (with its runs, often), a bounded
// number at a time; a job deleted between the list and its read is left out.
import type { Context } from 'koa';
import { z } from 'zod';
import { validationError } from '../../../core/errors.ts';
import { mapLimited } from '../../map-limited.ts';
import { orMissing } from './jobs.ts';

export interface PageLimit {
  /** Page size when the client names none. */
  default: number;
  /** The largest page a client may ask for; more is a 400 naming the field. */
  max: number;
}

/** Job lists of the dialects: 100 jobs a page unless asked, at most 1000. */
export const JOB_LIST_PAGE: PageLimit = { default: 100, max: 1000 };

/** The header that carries the cursor of the next page (absent on the last page). */
export const NEXT_CURSOR_HEADER = 'X-Kairos-Next-Cursor';

/** A page of a list: its size and where it starts. */
export interface PageRequest {
  pageSize: number;
  cursor?: string;
}

/** The error for a bad `limit` or `cursor`, in the dialect's own form (default: a core validation error). */
export type PageError = (field: 'limit' | 'cursor', reason: string) => Error;

const invalidPage: PageError = (field, reason) => validationError('invalid page', [{ path: field, message: reason }]);
const one = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v);

/**
 * `?limit=` and `?cursor=` as zod fields: what {@link pageOf} accepts, for a route's query object
 * and the OpenAPI parameters generated from it.
 */
export function pageQuery(limit: PageLimit = JOB_LIST_PAGE) {
  const reason = `must be a whole number from 1 to ${limit.max}`;
  return {
    limit: z
      .string()
      .regex(/^\d{1,7}$/, reason)
      .transform(Number)
      .pipe(z.number().int().min(1, reason).max(limit.max, reason))
      .default(limit.default)
      .describe(`page size (default ${limit.default})`),
    cursor: z
      .string()
      .min(1)
      .max(4096)
      .regex(/^[\w-]+$/)
      .optional()
      .describe(`the ${NEXT_CURSOR_HEADER} header of the previous page`),
  };
}

/** `?limit=` and `?cursor=` of a page, or the dialect's 400 naming the field. */
export function pageOf(ctx: Pick<Context, 'query'>, limit: PageLimit = JOB_LIST_PAGE, invalid: PageError = invalidPage): PageRequest {
  const fields = pageQuery(limit);
  const size = fields.limit.safeParse(one(ctx.query.limit));
  if (!size.success) throw invalid('limit', `must be a whole number from 1 to ${limit.max}`);
  const cursor = fields.cursor.safeParse(one(ctx.query.cursor));
  if (!cursor.success) throw invalid('cursor', `must be the ${NEXT_CURSOR_HEADER} of the previous page`);
  return { pageSize: size.data, ...(cursor.data === undefined ? {} : { cursor: cursor.data }) };
}

/** Sets the next page's cursor header, if there is a next page. */
export function setNextCursor(ctx: Pick<Context, 'set'>, next: string | null | undefined): void {
  if (next) ctx.set(NEXT_CURSOR_HEADER, next);
}

/**
 * `read` of each listed item, in order, at most 8 at a time; an item whose read finds nothing (a job
 * deleted since the list: `not_found`, or undefined) is left out.
 */
export async function readEach<T, R>(items: readonly T[], read: (item: T) => Promise<R | undefined>): Promise<R[]> {
  const all = await mapLimited([...items], (item) => orMissing(read(item)));
  return all.filter((x): x is R => x !== undefined);
}
