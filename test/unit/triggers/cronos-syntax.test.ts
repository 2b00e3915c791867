// Cronos syntax that Kairos used to refuse (#17 item 2), each with Cronos's meaning: L-nW, the @
// macros Hangfire hands to Cronos, and Cronos's limit on steps. Expected values are Cronos's own
// test vectors (HangfireIO/Cronos tests/Cronos.Tests/CronExpressionFacts.cs, "Support 'LW' in day of
// month field") and its README's macro table, as data.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileTriggers, nextFireTimes, TriggerError } from '../../../core/triggers/compile.ts';

function next(expression: string, from: string, n = 1): string[] {
  const { spec } = compileTriggers([{ type: 'cron', expression, dialect: 'hangfire' }], { now: new Date('2000-01-01T00:00:00Z') });
  assert.ok(spec);
  // Cronos's vectors are inclusive of `from`
  return nextFireTimes(spec, new Date(Date.parse(from) - 1), n).map((d) => d.toISOString().slice(0, 10));
}

function rejected(expression: string, message: RegExp): void {
  assert.throws(
    () => compileTriggers([{ type: 'cron', expression, dialect: 'hangfire' }], { now: new Date('2026-01-01T00:00:00Z') }),
    (e: unknown) => e instanceof TriggerError && e.path === 'triggers[0].expression' && message.test(e.message),
  );
}

describe('hangfire (Cronos) L-nW: the weekday nearest the n-th day before the last', () => {
  const vectors: [string, string, string][] = [
    ['* * * L-1W * *', '2017-01-01', '2017-01-30'],
    ['* * * L-2W * *', '2017-01-01', '2017-01-30'],
    ['* * * L-3W * *', '2017-01-01', '2017-01-27'],
    ['* * * L-4W * *', '2017-01-01', '2017-01-27'],
    ['* * * L-0W * *', '2016-02-01', '2016-02-29'],
    ['* * * L-0W * *', '2017-02-01', '2017-02-28'],
    ['* * * L-1W * *', '2016-02-01', '2016-02-29'],
    ['* * * L-1W * *', '2017-02-01', '2017-02-27'],
    ['* * * L-2W * *', '2016-02-01', '2016-02-26'],
    ['* * * L-2W * *', '2017-02-01', '2017-02-27'],
    ['* * * L-3W * *', '2016-02-01', '2016-02-26'],
    ['* * * L-3W * *', '2017-02-01', '2017-02-24'],
  ];
  for (const [expr, from, want] of vectors) {
    test(`${expr} from ${from} → ${want}`, () => assert.deepEqual(next(expr, from), [want]));
  }
  test('n up to 30, as Cronos (ParseLastDayOfMonth: 0..Last-1)', () => {
    assert.deepEqual(next('0 0 12 L-30W * *', '2017-01-01'), ['2017-01-02']); // the 1st is a Sunday
    rejected('0 0 12 L-31W * *', /offset from the last day must be at most 30/u);
  });
});

describe('hangfire (Cronos) macros', () => {
  test('each macro is its README equivalent, case-insensitive', () => {
    const equivalents: Record<string, string> = {
      '@every_second': '* * * * * *',
      '@every_minute': '* * * * *',
      '@hourly': '0 * * * *',
      '@daily': '0 0 * * *',
      '@midnight': '0 0 * * *',
      '@weekly': '0 0 * * 0',
      '@monthly': '0 0 1 * *',
      '@yearly': '0 0 1 1 *',
      '@annually': '0 0 1 1 *',
    };
    const at = (expression: string) =>
      compileTriggers([{ type: 'cron', expression, dialect: 'hangfire' }], { now: new Date('2026-01-01T00:00:00Z') }).spec?.calendars;
    for (const [macro, expr] of Object.entries(equivalents)) {
      assert.deepEqual(at(macro), at(expr), macro);
      assert.deepEqual(at(macro.toUpperCase()), at(expr), macro.toUpperCase());
    }
  });
  test('an unknown macro is a 400 naming the known ones', () => rejected('@fortnightly', /unknown macro "@fortnightly" \(expected @every_second/u));
});

describe('hangfire (Cronos) steps at most the field\'s last value', () => {
  test('*/60 minutes, 1/24 hours, */32 days, */13 months, */8 weekdays are refused', () => {
    rejected('*/60 * * * *', /minute field: step 60 is larger than 59/u);
    rejected('0 1/24 * * *', /hour field: step 24 is larger than 23/u);
    rejected('0 0 */32 * *', /day-of-month field: step 32 is larger than 31/u);
    rejected('0 0 1 */13 *', /month field: step 13 is larger than 12/u);
    rejected('0 0 * * */8', /day-of-week field: step 8 is larger than 7/u);
    rejected('*/60 * * * * *', /second field: step 60 is larger than 59/u);
  });
  test('the largest allowed steps still work', () => {
    assert.deepEqual(next('*/59 * * * *', '2017-01-01', 1), ['2017-01-01']);
    assert.deepEqual(next('0 0 */31 * *', '2017-01-02', 1), ['2017-02-01']); // 1, 32, … = the 1st
  });
});
