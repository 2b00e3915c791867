// Quartz L and W inside day-of-month lists (#17 item 2): `1,L`, `2W,16`, `5/7,L-3W,LW` are the union of
// their elements' days, as current Quartz accepts them and as its own tests state them
// (quartz-scheduler/quartz CronExpressionTest.testLastDayOffset and friends). Debian's Quartz 2.3.2
// (the regular oracle here) refuses `1,L` and reads `2W,16` as `2W` only, so it cannot be the
// witness; current Quartz (bb2505aa340b4f36c7da164e4d34cafd1249e21c, its CronExpression.java compiled
// over Debian's jar and run through test/oracles/QuartzOracle.java) accepts them, but its getTimeAfter
// does not always fire that union: findSmallestDay compares a plain day with the *encoded* "last day"
// value, and only the smallest W target at or after the current day is tried. Recorded from it, from
// 2026-01-01: `23,L-6` never fires on 22 February (L-6); `L-5W,20W` skips 25 June 2026;
// `5/7,L-3W,LW` skips 31 March 2026 (LW). Kairos fires the union written (README: the quartz row).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileTriggers, nextFireTimes, TriggerError } from '../../../core/triggers/compile.ts';

const days = (expression: string, from: string, n: number): string[] => {
  const { spec } = compileTriggers([{ type: 'cron', expression, dialect: 'quartz' }], { now: new Date(from) });
  assert.ok(spec);
  return nextFireTimes(spec, new Date(from), n).map((d) => d.toISOString().slice(0, 10));
};

describe('quartz: L and W in day-of-month lists are the union of their elements', () => {
  test('1,L: the first and the last day of each month (February 2030: the 28th)', () => {
    assert.deepEqual(days('0 15 10 1,L * ? 2030', '2030-01-15T00:00:00Z', 5), ['2030-01-31', '2030-02-01', '2030-02-28', '2030-03-01', '2030-03-31']);
  });
  test('2W,16: the weekday nearest the 2nd (Saturday 2 March 2030 -> Friday the 1st) and the 16th', () => {
    assert.deepEqual(days('0 15 10 2W,16 * ? 2030', '2030-03-01T00:00:00Z', 4), ['2030-03-01', '2030-03-16', '2030-04-02', '2030-04-16']);
  });
  test('the cases current Quartz misses: 23,L-6 on 22 February 2026; L-5W,20W on 25 June; 5/7,L-3W,LW on 31 March', () => {
    assert.deepEqual(days('0 15 10 23,L-6 * ?', '2026-02-01T00:00:00Z', 2), ['2026-02-22', '2026-02-23']);
    assert.deepEqual(days('0 0 12 L-5W,20W * ?', '2026-06-01T00:00:00Z', 2), ['2026-06-19', '2026-06-25']);
    assert.deepEqual(days('0 0 12 5/7,L-3W,LW * ?', '2026-03-01T00:00:00Z', 6), ['2026-03-05', '2026-03-12', '2026-03-19', '2026-03-26', '2026-03-27', '2026-03-31']);
  });
  test('a day in two elements fires once (L and 31 in a 31-day month)', () => {
    assert.deepEqual(days('0 0 12 31,L * ?', '2026-01-01T00:00:00Z', 3), ['2026-01-31', '2026-02-28', '2026-03-31']);
  });
  for (const [expression, why] of [
    ['0 15 10 L/2 * ?', /"L" and "W" cannot be combined with lists or steps/u],
    ['0 15 10 1,,L * ?', /empty element/u],
    ['0 15 10 1,L-31 * ?', /offset from the last day must be at most 30/u],
    ['0 15 10 1,32W * ?', /day-of-month field/u],
  ] as const) {
    test(`${expression} is refused, naming the field`, () => {
      assert.throws(
        () => compileTriggers([{ type: 'cron', expression, dialect: 'quartz' }], { now: new Date('2026-01-01T00:00:00Z') }),
        (e: unknown) => e instanceof TriggerError && e.path === 'triggers[0].expression' && why.test(e.message),
      );
    });
  }
  test('each element alone is supported as before (1W here: Friday 1 March 2030)', () => {
    assert.deepEqual(days('0 15 10 1W * ? 2030', '2030-02-15T00:00:00Z', 1), ['2030-03-01']);
  });
});
