// JSON Merge Patch (RFC 7386), the body of PATCH /v1/jobs/{id}: the RFC's own examples, and member
// names that plain objects inherit ("__proto__", "constructor") treated as ordinary members.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mergePatch } from '../../../core/jobs/merge-patch.ts';

describe('mergePatch', () => {
  it('follows RFC 7386 appendix A', () => {
    const cases: [unknown, unknown, unknown][] = [
      [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
      [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
      [{ a: 'b' }, { a: null }, {}],
      [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
      [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
      [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
      [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
      [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
      [['a', 'b'], ['c', 'd'], ['c', 'd']],
      [{ a: 'b' }, ['c'], ['c']],
      [{ a: 'foo' }, null, null],
      [{ a: 'foo' }, 'bar', 'bar'],
      [{ e: null }, { a: 1 }, { e: null, a: 1 }],
      [[1, 2], { a: 'b', c: null }, { a: 'b' }],
      [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
    ];
    for (const [target, patch, want] of cases) assert.deepEqual(mergePatch(target, patch), want, JSON.stringify({ target, patch }));
  });

  it('merges "__proto__" and "constructor" as members, never as the prototype or an inherited value', () => {
    const patched = mergePatch({ data: { url: 'x' } }, JSON.parse('{"__proto__": {"admin": true}, "constructor": {"a": 1}, "data": {"toString": 2}}')) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(patched), Object.prototype);
    assert.equal((patched as { admin?: unknown }).admin, undefined);
    assert.deepEqual(Object.keys(patched).sort(), ['__proto__', 'constructor', 'data']);
    assert.deepEqual(patched['constructor'], { a: 1 });
    assert.deepEqual(patched['data'], { url: 'x', toString: 2 });
    assert.equal(({} as { admin?: unknown }).admin, undefined);
  });
});
