// Page sizes of list endpoints that read a page of the schedule list (the dialects' job lists):
// `?limit=` within a maximum, `?cursor=` from the previous page's X-Kairos-Next-Cursor header.
// No list reads everything: a client that wants more pages through.
import type { Context } from 'koa';
import { validationError } from '../core/errors.ts';

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

const one = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v);

/** `?limit=` and `?cursor=` of a page, or a validation error (400 in the surface's shape) naming the field. */
export function pageOf(ctx: Context, limit: PageLimit = JOB_LIST_PAGE): { pageSize: number; cursor?: string } {
  const raw = one(ctx.query.limit);
  let pageSize = limit.default;
  if (raw !== undefined) {
    const n = typeof raw === 'string' && /^\d{1,7}$/.test(raw) ? Number(raw) : NaN;
    if (!(n >= 1 && n <= limit.max)) throw validationError('invalid page', [{ path: 'limit', message: `must be a whole number from 1 to ${limit.max}` }]);
    pageSize = n;
  }
  const cursor = one(ctx.query.cursor);
  if (cursor !== undefined && (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > 4096 || !/^[\w-]+$/.test(cursor))) {
    throw validationError('invalid page', [{ path: 'cursor', message: `must be the ${NEXT_CURSOR_HEADER} of the previous page` }]);
  }
  return { pageSize, ...(typeof cursor === 'string' ? { cursor } : {}) };
}

/** Sets the next page's cursor header, if there is a next page. */
export function setNextCursor(ctx: Context, next: string | null): void {
  if (next) ctx.set(NEXT_CURSOR_HEADER, next);
}
