import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Context } from 'koa';
import { KairosError } from '../../../core/errors.ts';
import { JOB_LIST_PAGE, pageOf } from '../../../api/page-limit.ts';

const ctxWith = (query: Record<string, string | string[]>) => ({ query }) as unknown as Context;
const names = (field: string) => (err: unknown) => err instanceof KairosError && err.kind === 'validation' && err.details[0]?.path === field;

describe('page limits', () => {
  it('default to 100 and allow up to 1000, with the cursor of the previous page', () => {
    assert.deepEqual(pageOf(ctxWith({})), { pageSize: JOB_LIST_PAGE.default });
    assert.deepEqual(pageOf(ctxWith({ limit: '1000', cursor: 'abc_-9' })), { pageSize: 1000, cursor: 'abc_-9' });
    assert.deepEqual(pageOf(ctxWith({ limit: ['5', '7'] })), { pageSize: 5 });
  });

  it('refuse a larger, empty or malformed page size, and a malformed cursor, naming the field', () => {
    for (const limit of ['1001', '0', '', '-1', '1e3', '10.5', 'x'.repeat(50)]) assert.throws(() => pageOf(ctxWith({ limit })), names('limit'), limit);
    for (const cursor of ['', 'has space', 'a'.repeat(4097), '../x']) assert.throws(() => pageOf(ctxWith({ cursor })), names('cursor'), cursor);
  });
});
