// The Jobs page's schedule in words (ui/schedule-words.js), per cron dialect with the README's
// examples, read by the same cronstrue the page loads: each dialect's day-of-week numbering (Quartz
// 1 = Sunday), seconds fields, Dapr's CRON_TZ prefix, the L/W forms cronstrue cannot read, and the
// fall back to the server's own description (core/triggers) for macros, @every, intervals and once.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describeTrigger } from '../../../core/triggers/compile.ts';

type Trigger = Record<string, unknown> & { type: string };
interface Words {
  cronInWords(cronstrue: unknown, dialect: string | undefined, expression: string): string | undefined;
  triggerInWords(cronstrue: unknown, t: Trigger, jobTimezone: string | undefined, server?: (t: Trigger) => string | undefined): string;
}
// A plain-JS browser module: imported by URL so that the type checker does not need its declarations.
const words = (await import(new URL('../../../ui/schedule-words.js', import.meta.url).href)) as Words;
const cronstrue: unknown = createRequire(import.meta.url)('cronstrue');
const server = (t: Trigger) => describeTrigger(t as never);
const say = (dialect: string, expression: string) => words.cronInWords(cronstrue, dialect, expression);

describe('schedule in words', () => {
  it('unix (5 fields, 0 and 7 = Sunday)', () => {
    assert.equal(say('unix', '*/15 * * * *'), 'Every 15 minutes');
    assert.equal(say('unix', '0 3 * * *'), 'At 03:00');
    assert.equal(say('unix', '30 4 * * 1-5'), 'At 04:30, Monday through Friday');
    assert.equal(say('unix', '0 0 * * 0'), 'At 00:00, only on Sunday');
    assert.equal(say('unix', '0 0 0 * * *'), undefined, 'six fields are not unix');
  });

  it('quartz (seconds first, day of week 1 = Sunday, L and #)', () => {
    assert.equal(say('quartz', '0 15 10 ? * MON-FRI'), 'At 10:15, Monday through Friday');
    assert.equal(say('quartz', '0 0 12 ? * 2-6'), 'At 12:00, Monday through Friday');
    assert.equal(say('quartz', '0 0 0 ? * 1'), 'At 00:00, only on Sunday');
    assert.equal(say('quartz', '0 15 10 ? * 6L'), 'At 10:15, on the last Friday of the month');
    assert.equal(say('quartz', '0 0 12 ? * 6#3'), 'At 12:00, on the third Friday of the month');
    assert.equal(say('quartz', '0 15 10 L-3W * ?'), 'At 10:15, on the weekday nearest 3 days before the last day of the month');
    assert.equal(say('quartz', '0 0 12 1,L * ?'), 'At 12:00, on the 1st and the last day of the month');
    assert.equal(say('quartz', '0 0 12 5/7,L-3W,LW * ?'), undefined, 'a step inside a list: the server says it');
  });

  it('dapr (6 fields with seconds, CRON_TZ prefix)', () => {
    assert.equal(say('dapr', '0 30 * * * *'), 'At 30 minutes past the hour');
    assert.equal(say('dapr', '*/10 * * * * *'), 'Every 10 seconds');
    const t = { type: 'cron', dialect: 'dapr', expression: 'CRON_TZ=Europe/Paris 0 30 9 * * 1-5' };
    assert.equal(words.triggerInWords(cronstrue, t, 'UTC', server), 'At 09:30, Monday through Friday (Europe/Paris)');
    assert.equal(say('dapr', '@every 1h'), undefined);
    assert.equal(words.triggerInWords(cronstrue, { type: 'cron', dialect: 'dapr', expression: '@every 1h' }, 'UTC', server), 'every 3600s (UTC)');
  });

  it('hangfire (Cronos: 5 or 6 fields, L, W, #, macros)', () => {
    assert.equal(say('hangfire', '15 10 * * 5L'), 'At 10:15, on the last Friday of the month');
    assert.equal(say('hangfire', '30 15 10 * * *'), 'At 10:15:30');
    assert.equal(say('hangfire', '0 0 L-3W * *'), 'At 00:00, on the weekday nearest 3 days before the last day of the month');
    assert.equal(say('hangfire', '0 9 * * 1#2'), 'At 09:00, on the second Monday of the month');
    assert.equal(say('hangfire', '@daily'), undefined);
    assert.equal(words.triggerInWords(cronstrue, { type: 'cron', dialect: 'hangfire', expression: '@daily' }, 'America/New_York', server), 'at 00:00:00 (America/New_York)');
  });

  it('shows the time zone (trigger, else job, else UTC) and falls back to the server for interval and once', () => {
    assert.equal(words.triggerInWords(cronstrue, { type: 'cron', expression: '0 3 * * *' }, 'Europe/Paris', server), 'At 03:00 (Europe/Paris)');
    assert.equal(words.triggerInWords(cronstrue, { type: 'cron', expression: '0 3 * * *', timezone: 'Asia/Tokyo' }, 'Europe/Paris', server), 'At 03:00 (Asia/Tokyo)');
    assert.equal(words.triggerInWords(cronstrue, { type: 'cron', expression: '0 3 * * *', enabled: false }, undefined, server), 'At 03:00 (UTC) (off)');
    assert.equal(words.triggerInWords(cronstrue, { type: 'interval', every: '15m' }, 'UTC', server), 'every 15m (UTC)');
    assert.equal(words.triggerInWords(cronstrue, { type: 'once', at: '2030-01-01T10:00:00Z' }, 'UTC', server), 'once at 2030-01-01T10:00:00Z (UTC)');
    // Without cronstrue (not loaded) or the server's words, the expression as written.
    assert.equal(words.triggerInWords(undefined, { type: 'cron', dialect: 'quartz', expression: '0 0 12 ? * 6#3' }, 'UTC'), 'cron 0 0 12 ? * 6#3 (UTC)');
  });
});
