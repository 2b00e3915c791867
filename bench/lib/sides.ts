// The two sides of every benchmark. "kairos" does the work through the Kairos HTTP API; "raw" is what
// a plain TypeScript program does with @temporalio/client for the same job: a schedule whose action
// starts the same runJob workflow (same arguments, same task queue, same worker, same HTTP target),
// so the difference between the two is Kairos's own overhead.
import { randomUUID } from 'node:crypto';
import { Client, Connection, ScheduleOverlapPolicy, type CalendarSpec, type ScheduleSpec } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import type { RunJobInput } from '../../core/runs/types.ts';
import { SA } from '../../core/search-attributes.ts';
import { httpCall } from './http-client.ts';
import type { BenchTarget } from './target.ts';

/** What a job's schedule does in a benchmark. */
export type Timing =
  | { kind: 'never' } // once a year (Jan 1 03:00 UTC): held, never fires during a run
  | { kind: 'every'; seconds: number; offset: number } // every N seconds from second `offset` of each minute (N divides 60)
  | { kind: 'once'; at: Date }; // one fire at an exact second

export type SideName = 'kairos' | 'raw';

export interface Side {
  name: SideName;
  create(id: string, timing: Timing): Promise<void>;
  runNow(id: string): Promise<void>;
  remove(id: string): Promise<void>;
  /** One page of the job list; returns how many items it held and the cursor. */
  list(pageSize: number, cursor?: string): Promise<{ count: number; cursor: string | null }>;
}

export interface BenchContext {
  apiUrl: string;
  auth: string;
  client: Client;
  taskQueue: string;
  target: BenchTarget;
}

function kairosTrigger(t: Timing): Record<string, unknown>[] {
  switch (t.kind) {
    case 'never':
      return [{ type: 'cron', dialect: 'unix', expression: '0 3 1 1 *' }];
    case 'every':
      return [{ type: 'cron', dialect: 'quartz', expression: `${t.offset}/${t.seconds} * * * * ?` }];
    case 'once':
      return [{ type: 'once', at: t.at.toISOString() }];
  }
}

const MONTHS = ['JANUARY', 'FEBRUARY', 'MARCH', 'APRIL', 'MAY', 'JUNE', 'JULY', 'AUGUST', 'SEPTEMBER', 'OCTOBER', 'NOVEMBER', 'DECEMBER'] as const;

function rawSpec(t: Timing): { spec: ScheduleSpec; remainingActions?: number } {
  switch (t.kind) {
    case 'never':
      return { spec: { calendars: [{ month: 'JANUARY', dayOfMonth: 1, hour: 3 }] } };
    case 'every':
      return { spec: { calendars: [{ second: { start: t.offset, end: 59, step: t.seconds }, minute: '*', hour: '*' }] } };
    case 'once': {
      const d = t.at;
      const cal: CalendarSpec = {
        year: d.getUTCFullYear(),
        month: MONTHS[d.getUTCMonth()] ?? 'JANUARY',
        dayOfMonth: d.getUTCDate(),
        hour: d.getUTCHours(),
        minute: d.getUTCMinutes(),
        second: d.getUTCSeconds(),
      };
      return { spec: { calendars: [cal] }, remainingActions: 1 };
    }
  }
}

/** A run's search attributes as the raw program sets them (the schedule's action and run-now alike). */
function runAttributes(input: RunJobInput, triggeredBy: string): SearchAttributePair[] {
  return [
    { key: SA.jobId, value: input.job.id },
    { key: SA.jobType, value: input.job.type },
    { key: SA.owner, value: input.job.ownerId },
    { key: SA.triggeredBy, value: triggeredBy },
  ];
}

class HttpError extends Error {}

async function call(ctx: BenchContext, method: string, path: string, body?: unknown): Promise<unknown> {
  // An overloaded dev server answers some calls with 503 (Temporal unavailable); like any client of
  // the API, retry those a few times with back-off rather than abort the whole benchmark.
  for (let attempt = 1; ; attempt++) {
    const res = await httpCall(
      `${ctx.apiUrl}${path}`,
      method,
      { authorization: ctx.auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body === undefined ? undefined : JSON.stringify(body),
    );
    const text = res.text;
    if (res.status === 503 && attempt < 6) {
      await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
      continue;
    }
    if (res.status < 200 || res.status > 299) throw new HttpError(`${method} ${path} → ${res.status} ${text.slice(0, 300)}`);
    return text ? (JSON.parse(text) as unknown) : null;
  }
}

export function kairosSide(ctx: BenchContext): Side {
  return {
    name: 'kairos',
    async create(id, timing) {
      await call(ctx, 'POST', '/v1/jobs', { id, name: id, type: 'http', data: { url: ctx.target.urlFor(id) }, triggers: kairosTrigger(timing) });
    },
    async runNow(id) {
      await call(ctx, 'POST', `/v1/jobs/${encodeURIComponent(id)}/run`);
    },
    async remove(id) {
      await call(ctx, 'DELETE', `/v1/jobs/${encodeURIComponent(id)}`);
    },
    async list(pageSize, cursor) {
      const q = new URLSearchParams({ limit: String(pageSize) });
      if (cursor) q.set('cursor', cursor);
      const page = (await call(ctx, 'GET', `/v1/jobs?${q.toString()}`)) as { items: unknown[]; nextCursor: string | null };
      return { count: page.items.length, cursor: page.nextCursor };
    },
  };
}

/**
 * The raw SDK side. `template` is the runJob input of a job Kairos stored (read once, before any
 * timing): the raw program sends the same workflow arguments, with its own id and URL.
 */
export function rawSide(ctx: BenchContext, template: RunJobInput): Side {
  const { client } = ctx;
  /** The runJob input of a raw job: the template's, with the job's own id, URL and triggers. */
  const inputFor = (id: string, timing: Timing): RunJobInput => {
    const job = { ...template.job, id, name: id, data: { ...template.job.data, url: ctx.target.urlFor(id) }, triggers: kairosTrigger(timing) };
    return { ...template, job, writeId: undefined } as unknown as RunJobInput;
  };
  /** Each raw job's timing, to rebuild the input its schedule's action carries. */
  const timings = new Map<string, Timing>();
  return {
    name: 'raw',
    async create(id, timing) {
      const { spec, remainingActions } = rawSpec(timing);
      const input = inputFor(id, timing);
      await client.schedule.create({
        scheduleId: id,
        spec,
        action: {
          type: 'startWorkflow',
          workflowType: 'runJob',
          workflowId: id,
          taskQueue: ctx.taskQueue,
          args: [input],
          memo: { jobName: id },
          typedSearchAttributes: runAttributes(input, 'schedule'),
        },
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1m' },
        state: remainingActions === undefined ? {} : { remainingActions },
        memo: { jobName: id },
        typedSearchAttributes: [
          { key: SA.jobId, value: id },
          { key: SA.jobType, value: input.job.type },
          { key: SA.owner, value: input.job.ownerId },
          { key: SA.jobName, value: id },
        ],
      });
      timings.set(id, timing);
    },
    async runNow(id) {
      // What Kairos's run-now does, minus Kairos: start the job's runJob workflow directly, with the
      // input its schedule's action carries (marked manual, as Kairos marks it) and an id of its own
      // (Kairos's format), so runs never collide and any number may run at once. (A schedule's
      // trigger() goes through the scheduler workflow, and drops a second trigger within a second.)
      const input: RunJobInput = { ...inputFor(id, timings.get(id) ?? { kind: 'never' }), triggeredBy: 'manual' };
      await client.workflow.start('runJob', {
        taskQueue: ctx.taskQueue,
        workflowId: `${id}-manual-${new Date().toISOString().replace(/[:.]/g, '')}-${randomUUID().slice(0, 8)}`,
        args: [input],
        memo: { jobName: id },
        typedSearchAttributes: runAttributes(input, 'manual'),
      });
    },
    async remove(id) {
      await client.schedule.getHandle(id).delete();
      timings.delete(id);
    },
    async list(pageSize, cursor) {
      const res = await client.workflowService.listSchedules({
        namespace: client.options.namespace,
        maximumPageSize: pageSize,
        nextPageToken: cursor ? Buffer.from(cursor, 'base64url') : undefined,
        query: `${SA.jobId.name} IS NOT NULL`,
      });
      const token = res.nextPageToken?.length ? Buffer.from(res.nextPageToken).toString('base64url') : null;
      return { count: res.schedules?.length ?? 0, cursor: token };
    },
  };
}

export async function connect(address: string, namespace: string): Promise<Client> {
  const connection = await Connection.connect({ address });
  return new Client({ connection, namespace });
}

/** The stored runJob input of a Kairos job (what the raw side sends as its workflow argument). */
export async function templateInput(ctx: BenchContext, id: string): Promise<RunJobInput> {
  await kairosSide(ctx).create(id, { kind: 'never' });
  const desc = await ctx.client.schedule.getHandle(id).describe();
  const input = (desc.action as { args?: unknown[] }).args?.[0] as RunJobInput | undefined;
  if (!input) throw new Error('could not read the template job input');
  await kairosSide(ctx).remove(id);
  return input;
}
