// Quartz L and W inside day-of-month lists (#17 item 2) stay refused, and this file records why:
// Debian's Quartz 2.3.2 (the regular oracle) refuses `1,L` and reads `2W,16` as `2W` only; current
// Quartz (quartz-scheduler/quartz at bb2505aa340b4f36c7da164e4d34cafd1249e21c, its
// CronExpression.java compiled over Debian's jar and run through test/oracles/QuartzOracle.java)
// accepts them and its own tests (CronExpressionTest.testLastDayOffset) state the union of the
// elements, but its getTimeAfter does not fire the union: findSmallestDay compares a plain day with
// the *encoded* "last day" value, and only the smallest W target at or after the current day is
// tried. Recorded from it, from 2026-01-01: `23,L-6` never fires on 22 February (L-6);
// `L-5W,20W` skips 25 June 2026; `5/7,L-3W,LW` skips 31 March 2026 (LW). Neither reading is one
// Kairos can promise ("never silently change meaning"), so the lists are a 400 naming the field;
// the day fields' special tokens alone are supported as before.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileTriggers, nextFireTimes, TriggerError } from '../../../core/triggers/compile.ts';

describe('quartz: L and W in day-of-month lists', () => {
  for (const expression of ['0 15 10 1,L * ? 2030', '0 15 10 2W,16 * ? 2030', '0 15 10 L-1W,L-1 * ? 2030', '0 15 10 23,L-6 * ?']) {
    test(`${expression} is refused, naming the field`, () => {
      assert.throws(
        () => compileTriggers([{ type: 'cron', expression, dialect: 'quartz' }], { now: new Date('2026-01-01T00:00:00Z') }),
        (e: unknown) => e instanceof TriggerError && e.path === 'triggers[0].expression' && /day-of-month field: "L" and "W" cannot be combined with lists/u.test(e.message),
      );
    });
  }
  test('each element alone is supported (1W here: Friday 1 March 2030)', () => {
    const { spec } = compileTriggers([{ type: 'cron', expression: '0 15 10 1W * ? 2030', dialect: 'quartz' }], { now: new Date('2030-02-15T00:00:00Z') });
    assert.ok(spec);
    assert.equal(nextFireTimes(spec, new Date('2030-02-15T00:00:00Z'), 1)[0]?.toISOString(), '2030-03-01T10:15:00.000Z');
  });
});
