// The proof that the trigger compiler's output means what Kairos's own evaluator says it means:
// for a few hundred random cron expressions per dialect, the next fire times that Temporal's
// scheduler reports for the compiled spec (describe() of a paused schedule on the real dev server)
// equal nextFireTimes() of the same spec. The unit property tests hold nextFireTimes() against the
// independent references (cron-parser, Quartz, robfig/cron), so the chain reaches Temporal.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { Client } from '@temporalio/client';
import { timestampToDate } from '../../core/temporal/payloads.ts';
import { specToProto } from '../../core/jobs/schedule-mapping.ts';
import { compileTriggers, nextFireTimes, type CompiledSpec } from '../../core/triggers/compile.ts';
import type { CronDialect } from '../../core/triggers/model.ts';
import { DOW_NAMES, MONTH_NAMES, field } from '../unit/triggers/gen.ts';
import { taskQueue, temporalClient } from '../support/env.ts';

const PER_DIALECT = Number(process.env.KAIROS_PROOF_CASES ?? 75);
const SEED = Number(process.env.FC_SEED ?? 20261122);
const ZONES = ['UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Kolkata', 'Australia/Lord_Howe'];

const sec = field({ min: 0, max: 59, singleStep: true });
const min = field({ min: 0, max: 59, singleStep: true });
const hour = field({ min: 0, max: 23, singleStep: true });
const dom = field({ min: 1, max: 31 });
const month = field({ min: 1, max: 12, names: MONTH_NAMES });
const dow06 = field({ min: 0, max: 6, names: DOW_NAMES });
const dowQuartz = field({ min: 1, max: 7, names: DOW_NAMES });

/** Day fields with each dialect's special characters mixed in. */
const quartzDays = fc.oneof(
  fc.tuple(dom, fc.constant('?')),
  fc.tuple(fc.constant('?'), dowQuartz),
  fc.tuple(fc.constantFrom('L', 'LW', 'L-3', '15W', '1W', '31W'), fc.constant('?')),
  fc.tuple(fc.constant('?'), fc.constantFrom('6#3', '2#1', '1#5', '6L', '2L', 'FRI#2')),
);
const hangfireDays = fc.oneof(
  fc.tuple(dom, fc.constant('*')),
  fc.tuple(fc.constant('*'), dow06),
  fc.tuple(dom, dow06),
  fc.tuple(fc.constantFrom('L', 'LW', 'L-2', '10W'), fc.constant('*')),
  fc.tuple(fc.constant('*'), fc.constantFrom('5#3', '1#1', '5L', '0L')),
);

const cases: Record<CronDialect, fc.Arbitrary<string>> = {
  unix: fc.tuple(min, hour, dom, month, dow06).map((f) => f.join(' ')),
  dapr: fc.tuple(sec, min, hour, dom, month, dow06).map((f) => f.join(' ')),
  quartz: fc.tuple(sec, min, hour, quartzDays, month).map(([s, m, h, [d, w], mo]) => `${s} ${m} ${h} ${d} ${mo} ${w}`),
  hangfire: fc.tuple(min, hour, hangfireDays, month).map(([m, h, [d, w], mo]) => `${m} ${h} ${d} ${mo} ${w}`),
};

interface Case {
  dialect: CronDialect;
  expression: string;
  timezone: string;
  spec: CompiledSpec;
}

function buildCases(): { cases: Case[]; rejected: string[] } {
  const out: Case[] = [];
  const rejected: string[] = [];
  for (const [dialect, arb] of Object.entries(cases) as [CronDialect, fc.Arbitrary<string>][]) {
    const samples = fc.sample(fc.tuple(arb, fc.constantFrom(...ZONES)), { seed: SEED, numRuns: PER_DIALECT });
    for (const [expression, timezone] of samples) {
      try {
        const { spec } = compileTriggers([{ type: 'cron', dialect, expression, timezone }], { now: new Date() });
        if (spec) out.push({ dialect, expression, timezone, spec });
      } catch (err) {
        rejected.push(`${dialect} '${expression}': ${(err as Error).message}`);
      }
    }
  }
  return { cases: out, rejected };
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i] as T);
      }
    }),
  );
  return results;
}

describe('compiled specs: Temporal agrees with the evaluator', () => {
  let client: Client;
  before(async () => {
    client = await temporalClient();
  });
  after(async () => {
    await client.connection.close();
  });

  it(`next fire times match for ${PER_DIALECT} expressions per dialect`, { timeout: 300_000 }, async () => {
    const { cases: all, rejected } = buildCases();
    // The generators produce valid expressions; a rejection here is a compiler gap worth seeing.
    assert.ok(rejected.length <= all.length * 0.02, `too many rejections:\n${rejected.slice(0, 10).join('\n')}`);
    const mismatches: string[] = [];
    let compared = 0;
    let timesCompared = 0;
    await mapLimit(all, 6, async (c) => {
      const scheduleId = `proof-${c.dialect}-${randomUUID().slice(0, 8)}`;
      await client.workflowService.createSchedule({
        namespace: client.options.namespace,
        scheduleId,
        requestId: randomUUID(),
        schedule: {
          spec: specToProto(c.spec),
          action: { startWorkflow: { workflowId: scheduleId, workflowType: { name: 'runJob' }, taskQueue: { name: taskQueue() } } },
          state: { paused: true, notes: 'compiler proof' },
        },
      });
      try {
        const res = await client.workflowService.describeSchedule({ namespace: client.options.namespace, scheduleId });
        const after = Date.now();
        const theirs = (res.info?.futureActionTimes ?? [])
          .map((t) => timestampToDate(t)?.getTime() ?? 0)
          .filter((t) => t > after);
        const ours = nextFireTimes(c.spec, new Date(after), theirs.length).map((d) => d.getTime());
        compared++;
        timesCompared += theirs.length;
        if (JSON.stringify(ours) !== JSON.stringify(theirs)) {
          mismatches.push(
            `${c.dialect} '${c.expression}' ${c.timezone}\n  temporal: ${theirs.map((t) => new Date(t).toISOString()).join(' ')}\n  ours:     ${ours
              .map((t) => new Date(t).toISOString())
              .join(' ')}`,
          );
        }
      } finally {
        await client.workflowService.deleteSchedule({ namespace: client.options.namespace, scheduleId });
      }
    });
    assert.equal(mismatches.length, 0, `${mismatches.length} of ${compared} differ:\n${mismatches.slice(0, 6).join('\n')}`);
    assert.ok(compared >= PER_DIALECT * 3, `compared only ${compared} cases`);
    // Temporal lists up to 10 future times; most expressions fire often enough to fill the list.
    assert.ok(timesCompared >= compared * 5, `only ${timesCompared} fire times compared over ${compared} cases`);
  });
});
