import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BadRecord, cast, mapper } from '../../../activities/datasource/mapping.ts';
import { FieldSchema } from '../../../core/drivers/datasource.ts';

const f = (x: Record<string, unknown>) => FieldSchema.parse(x);

void describe('datasource mapping: casts', () => {
  void it('casts valid values', () => {
    assert.equal(cast(' 42 ', 'integer'), 42);
    assert.equal(cast(-7, 'integer'), -7);
    assert.equal(cast('3.5', 'number'), 3.5);
    assert.equal(cast('YES', 'boolean'), true);
    assert.equal(cast('0', 'boolean'), false);
    assert.equal(cast('2024-02-29', 'date'), '2024-02-29');
    assert.equal(cast('2024-01-02T03:04:05+01:00', 'timestamp'), '2024-01-02T02:04:05.000Z');
    assert.deepEqual(cast('{"a":1}', 'json'), { a: 1 });
    assert.equal(cast(12, 'string'), '12');
    assert.equal(cast({ a: 1 }, 'string'), '{"a":1}');
  });
  void it('treats empty as null except for strings', () => {
    assert.equal(cast('', 'integer'), null);
    assert.equal(cast('  ', 'number'), null);
    assert.equal(cast(null, 'boolean'), null);
    assert.equal(cast('', 'string'), '');
  });
  void it('rejects what does not cast, with the value in the reason', () => {
    for (const [v, t] of [
      ['4.5', 'integer'],
      ['9007199254740993', 'integer'],
      ['abc', 'number'],
      ['maybe', 'boolean'],
      ['2023-02-29', 'date'],
      ['31/12/2020', 'date'],
      ['yesterday', 'timestamp'],
      ['{oops', 'json'],
    ] as const) {
      assert.throws(() => cast(v, t), (e: unknown) => e instanceof BadRecord && e.message.includes(JSON.stringify(v)), `${v} as ${t}`);
    }
  });
});

void describe('datasource mapping: records', () => {
  void it('chooses, renames and casts; reaches into nested objects', () => {
    const m = mapper({ id: f({ type: 'integer' }), title: f({ from: 'name' }), genre: f({ from: 'meta.genre' }) }, 'id');
    assert.deepEqual(m({ id: '7', name: 'Heat', year: 1995, meta: { genre: 'crime' } }), { id: 7, title: 'Heat', genre: 'crime' });
  });
  void it('rejects a record without its key or a required field', () => {
    const m = mapper({ id: f({ type: 'integer' }), title: f({ from: 'name', required: true }) }, 'id');
    assert.throws(() => m({ name: 'x' }), /field 'id' is required/);
    assert.throws(() => m({ id: 1, name: '' }), /field 'name' is required/);
    assert.throws(() => m({ id: 'x1', name: 'a' }), /field 'id': "x1" is not a valid integer/);
  });
  void it('passes records through without a mapping, still checking the key', () => {
    const m = mapper(undefined, 'id');
    assert.deepEqual(m({ id: 1, a: [1] }), { id: 1, a: [1] });
    assert.throws(() => m({ a: 1 }), /key field 'id' is missing/);
    assert.deepEqual(mapper(undefined, undefined)({ a: 1 }), { a: 1 });
  });
});

void describe('datasource mapping: field names plain objects inherit', () => {
  void it('"constructor" and "toString" name nothing in a record without them; "__proto__" is an ordinary field', () => {
    const map = mapper({ constructor: f({ type: 'string' }), ['__proto__']: f({ type: 'integer', from: 'p' }), id: f({ type: 'integer' }) }, 'id');
    const out = map({ id: '1', p: '7' });
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.deepEqual(Object.keys(out).sort(), ['__proto__', 'constructor', 'id']);
    assert.equal(out['constructor'], null, 'a missing field is null, not Object');
    assert.equal(Object.getOwnPropertyDescriptor(out, '__proto__')?.value, 7);
    assert.throws(() => mapper({ id: f({ type: 'integer', from: 'toString' }) }, 'id')({}), (e: unknown) => e instanceof BadRecord && /field 'toString' is required/.test(e.message));
    assert.throws(() => mapper(undefined, 'constructor')({ a: 1 }), (e: unknown) => e instanceof BadRecord);
  });
});
