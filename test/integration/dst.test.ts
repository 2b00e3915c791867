// DST on the real dev server: Temporal's own describe() is the witness that a gap shift is compiled
// into the schedule (bounds place real transitions of America/New_York and Australia/Lord_Howe
// inside the first fire times), the API's `next` and preview leave out the overlap fire that runJob
// skips, and a real scheduled run (a schedule backfill gives it a real scheduled time) that falls in
// an overlap skip range ends at once as skipped: no driver call, KairosOutcome = skipped; the other
// occurrence runs. Bad `dst` input is a 400 naming the field and creates nothing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';
import { api, temporalClient, uniqueId } from '../support/env.ts';
import { startHttpTarget, type HttpTarget } from '../support/http-target.ts';
import { waitFor } from '../support/wait-for.ts';
import { compileTriggers, type CompiledSpec } from '../../core/triggers/compile.ts';
import { scheduleFireTimes } from '../../core/triggers/evaluate.ts';
import type { TriggerInput } from '../../core/triggers/model.ts';

type ErrorBody = { error: { code: string; message: string; details: { path: string; message: string }[] } };

describe('DST per dialect and per job on the real server', () => {
  let target: HttpTarget;
  let client: Client;
  const jobs: string[] = [];
  before(async () => {
    client = await temporalClient();
    target = await startHttpTarget();
  });
  after(async () => {
    for (const id of jobs) await api('DELETE', `/v1/jobs/${id}`);
    await target.close();
    await client.connection.close();
  });
  const create = async (body: Record<string, unknown>): Promise<string> => {
    const res = await api<{ id: string; dst?: unknown }>('POST', '/v1/jobs', { body: { type: 'http', data: { url: `${target.url}/${String(body.id)}` }, ...body } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    jobs.push(res.body.id);
    return res.body.id;
  };
  /** Temporal's own next action times for the schedule (describe()). */
  const temporalTimes = async (id: string): Promise<string[]> => {
    const d = await client.schedule.getHandle(id).describe();
    return d.info.nextActionTimes.map((t) => t.toISOString());
  };
  const apiNext = async (id: string): Promise<string[]> => {
    const r = await api<{ times: string[] }>('GET', `/v1/jobs/${id}/next?count=10`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.times;
  };

  it('unix 02:30 in America/New_York: Temporal itself fires 03:00 EDT on the spring day (the gap shift is in the schedule)', async () => {
    const id = await create({
      id: uniqueId('dst-ny'),
      timezone: 'America/New_York',
      startOn: '2027-03-12T00:00:00Z',
      endOn: '2027-03-16T12:00:00Z',
      triggers: [{ type: 'cron', dialect: 'unix', expression: '30 2 * * *' }],
    });
    const want = ['2027-03-12T07:30:00.000Z', '2027-03-13T07:30:00.000Z', '2027-03-14T07:00:00.000Z', '2027-03-15T06:30:00.000Z', '2027-03-16T06:30:00.000Z'];
    assert.deepEqual(await temporalTimes(id), want);
    assert.deepEqual(await apiNext(id), want);
    const got = await api<{ dst?: unknown }>('GET', `/v1/jobs/${id}`);
    assert.equal(got.status, 200);
    // no policy written: the dialect's default applies, and nothing is stored
    assert.equal(got.body.dst, undefined);
  });

  it('hangfire 02:15 in Australia/Lord_Howe (30-minute shift): fires at 02:30 +11:00 on the spring day; dst.gap skip leaves out the 02:45 Temporal fires', async () => {
    const body = {
      timezone: 'Australia/Lord_Howe',
      startOn: '2027-10-01T00:00:00Z',
      endOn: '2027-10-05T00:00:00Z',
      triggers: [{ type: 'cron', dialect: 'hangfire', expression: '15 2 * * *' }],
    };
    const shifted = await create({ id: uniqueId('dst-lh'), ...body });
    const want = ['2027-10-01T15:45:00.000Z', '2027-10-02T15:30:00.000Z', '2027-10-03T15:15:00.000Z', '2027-10-04T15:15:00.000Z'];
    assert.deepEqual(await temporalTimes(shifted), want);
    assert.deepEqual(await apiNext(shifted), want);
    const skipped = await create({ id: uniqueId('dst-lh-skip'), ...body, dst: { gap: 'skip' } });
    // Temporal itself fires the nonexistent 02:15 at 15:45Z (02:45 +11:00): runJob skips it, `next` leaves it out
    assert.deepEqual(await temporalTimes(skipped), ['2027-10-01T15:45:00.000Z', '2027-10-02T15:45:00.000Z', '2027-10-03T15:15:00.000Z', '2027-10-04T15:15:00.000Z']);
    assert.deepEqual(await apiNext(skipped), ['2027-10-01T15:45:00.000Z', '2027-10-03T15:15:00.000Z', '2027-10-04T15:15:00.000Z']);
    const got = await api<{ dst?: unknown }>('GET', `/v1/jobs/${skipped}`);
    assert.deepEqual(got.body.dst, { gap: 'skip' });
  });

  it('the evaluator replays Temporal\'s own algorithm: its raw fire times equal describe() around transitions east and west of UTC', async () => {
    // gap "skip" + overlap "both" adds no correction: what the schedule holds is the trigger as written
    const cases: [string, string, string, string][] = [
      ['Europe/London', '0 30 1 * * *', '2027-10-30T00:00:00Z', '2027-11-01T00:00:00Z'],
      ['Europe/London', '0 */20 * * * *', '2027-10-30T23:30:00Z', '2027-10-31T03:00:00Z'],
      ['Australia/Sydney', '0 30 2 * * *', '2027-04-02T00:00:00Z', '2027-04-06T00:00:00Z'],
      ['Australia/Lord_Howe', '0 45 1 * * *', '2027-04-02T00:00:00Z', '2027-04-06T00:00:00Z'],
      ['Australia/Lord_Howe', '0 15 1 * * *', '2027-04-02T00:00:00Z', '2027-04-06T00:00:00Z'],
      ['America/New_York', '0 */20 * * * *', '2027-11-07T04:30:00Z', '2027-11-07T08:00:00Z'],
    ];
    for (const [tz, expression, startOn, endOn] of cases) {
      const body = { timezone: tz, startOn, endOn, triggers: [{ type: 'cron', dialect: 'dapr', expression }] };
      const raw = await create({ id: uniqueId('dst-raw'), ...body, dst: { gap: 'skip', overlap: 'both' } });
      const theirs = await temporalTimes(raw);
      const ours = scheduleFireTimes(compileTriggers(body.triggers as TriggerInput[], { now: new Date(), timezone: tz, startOn: new Date(startOn), endOn: new Date(endOn), dst: { gap: 'skip', overlap: 'both' } }).spec as CompiledSpec, new Date(), 10);
      assert.deepEqual(ours.map((d) => d.toISOString()), theirs, `${tz} ${expression}`);
    }
  });

  it("east of UTC the dialect's meaning is restored with calendars Temporal does fire: hangfire 01:30 in Europe/London runs once, at 01:30 BST", async () => {
    const id = await create({
      id: uniqueId('dst-lon'),
      timezone: 'Europe/London',
      startOn: '2027-10-30T00:00:00Z',
      endOn: '2027-11-01T00:00:00Z',
      triggers: [{ type: 'cron', dialect: 'hangfire', expression: '30 1 * * *' }],
    });
    // Temporal alone would fire only 01:30 GMT (01:30Z); the compiled 00:30 calendar makes it fire 01:30 BST (00:30Z)
    // through its repeated-hour step, and the 00:30 BST (23:30Z) that calendar also fires is left out
    assert.deepEqual(await temporalTimes(id), ['2027-10-30T00:30:00.000Z', '2027-10-30T23:30:00.000Z', '2027-10-31T00:30:00.000Z']);
    assert.deepEqual(await apiNext(id), ['2027-10-30T00:30:00.000Z', '2027-10-31T00:30:00.000Z']);
  });

  it('quartz 01:30 in America/New_York: Temporal fires both 01:30s, `next` and preview show only the one that runs (EST, as Quartz)', async () => {
    const trigger = { type: 'cron', dialect: 'quartz', expression: '0 30 1 * * ?' };
    const id = await create({ id: uniqueId('dst-q'), timezone: 'America/New_York', startOn: '2027-11-06T00:00:00Z', endOn: '2027-11-08T12:00:00Z', triggers: [trigger] });
    assert.deepEqual(await temporalTimes(id), ['2027-11-06T05:30:00.000Z', '2027-11-07T05:30:00.000Z', '2027-11-07T06:30:00.000Z', '2027-11-08T06:30:00.000Z']);
    const runs = ['2027-11-06T05:30:00.000Z', '2027-11-07T06:30:00.000Z', '2027-11-08T06:30:00.000Z'];
    assert.deepEqual(await apiNext(id), runs);
    const preview = await api<{ times: string[] }>('POST', '/v1/triggers/preview', {
      body: { trigger: { ...trigger, timezone: 'America/New_York' }, from: '2027-11-06T00:00:00Z', count: 3 },
    });
    assert.equal(preview.status, 200, JSON.stringify(preview.body));
    assert.deepEqual(preview.body.times, runs);
    const first = await api<{ times: string[] }>('POST', '/v1/triggers/preview', {
      body: { trigger: { ...trigger, timezone: 'America/New_York' }, from: '2027-11-06T00:00:00Z', count: 3, dst: { overlap: 'first' } },
    });
    assert.deepEqual(first.body.times, ['2027-11-06T05:30:00.000Z', '2027-11-07T05:30:00.000Z', '2027-11-08T06:30:00.000Z']);
  });

  it('a scheduled run in the overlap skip range ends as skipped without calling the driver; the other occurrence runs', async () => {
    const id = await create({
      id: uniqueId('dst-run'),
      timezone: 'America/New_York',
      startOn: '2027-11-07T00:00:00Z',
      endOn: '2027-11-07T12:00:00Z',
      triggers: [{ type: 'cron', dialect: 'quartz', expression: '0 30 1 * * ?' }],
    });
    // Backfill gives both 01:30s real scheduled start times, as the schedule itself will.
    await client.schedule.getHandle(id).backfill({ start: new Date('2027-11-07T05:00:00Z'), end: new Date('2027-11-07T07:00:00Z'), overlap: 'ALLOW_ALL' });
    const skippedRun = client.workflow.getHandle(`${id}-2027-11-07T05:30:00Z`);
    const ranRun = client.workflow.getHandle(`${id}-2027-11-07T06:30:00Z`);
    const skipped = (await waitFor(
      async () => {
        try {
          return (await skippedRun.result()) as Record<string, unknown>;
        } catch {
          return undefined;
        }
      },
      30_000,
      'the skipped run to complete',
    ));
    assert.equal(skipped.status, 'skipped');
    assert.equal(skipped.attempts, 0);
    assert.deepEqual({ ...(skipped.skip as Record<string, unknown>), detail: undefined }, { scheduledAt: '2027-11-07T05:30:00.000Z', reason: 'dst', detail: undefined });
    const desc = await skippedRun.describe();
    assert.deepEqual(desc.searchAttributes.KairosOutcome, ['skipped']);
    const ran = (await waitFor(
      async () => {
        try {
          return (await ranRun.result()) as Record<string, unknown>;
        } catch {
          return undefined;
        }
      },
      30_000,
      'the EST run to complete',
    ));
    assert.equal(ran.status, 'succeeded');
    assert.equal((await ranRun.describe()).searchAttributes.KairosOutcome, undefined);
    // the driver was called once: for the EST run only
    assert.equal(target.requests.filter((r) => r.path === `/${id}`).length, 1);
  });

  it('bad dst input: 400 naming the field, and nothing is created', async () => {
    const id = uniqueId('dst-bad');
    const bad = await api<ErrorBody>('POST', '/v1/jobs', {
      body: { id, type: 'http', data: { url: `${target.url}/x` }, triggers: [{ type: 'cron', expression: '30 1 * * *' }], dst: { overlap: 'twice' } },
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details[0]?.path, 'dst.overlap');
    assert.match(bad.body.error.details[0]?.message ?? '', /must be one of "first", "second", "both"/u);
    assert.equal((await api('GET', `/v1/jobs/${id}`)).status, 404);
    const extra = await api<ErrorBody>('POST', '/v1/triggers/preview', { body: { trigger: { type: 'cron', expression: '30 1 * * *' }, dst: { gap: 'later' } } });
    assert.equal(extra.status, 400);
    assert.match(extra.body.error.details[0]?.path ?? '', /dst\.gap/u);
  });
});
