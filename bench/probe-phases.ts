// Where the time of a create, a GET and a run-now goes inside the API, measured, not guessed: the
// API code runs in this process with timers around the calls a request makes (auth, validation,
// the state store's writes and reads, the Temporal RPCs), one request at a time, interleaved with
// the raw SDK's schedule create and workflow start (the benchmark's raw sides) against the same
// Temporal. Prints the median time per request of each phase (inclusive: a phase that calls
// another includes it) and the whole request as Koa measured it.
// `PROBE_TEMPORAL=dev|cluster PROBE_DB=sqlite|postgres PROBE_N=80 npx tsx bench/probe-phases.ts`
// (a diagnostic, not part of `npm run bench`).
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { startOwnStack } from '../test/support/processes.ts';
import { connect, kairosSide, rawSide, templateInput, type BenchContext } from './lib/sides.ts';
import { startBenchTarget } from './lib/target.ts';
import { median, p99 } from './lib/stats.ts';
import { startApi } from '../api/server.ts';
import { loadConfig } from '../core/config.ts';
import { freePort } from '../scripts/dev-server.ts';
import { configureEgress } from '../core/net/policy.ts';
import { AuthStore } from '../core/auth/store.ts';
import { JobHeads } from '../core/jobs/heads.ts';
import { JobStore } from '../core/jobs/store.ts';
import { JobService } from '../core/jobs/service.ts';
import { VersionHistory } from '../core/versions/history.ts';
import { AuditLog } from '../core/audit/log.ts';
import { AccessService } from '../core/access/service.ts';
import { SecretAccess } from '../core/secrets/access.ts';
import { RunService } from '../core/runs/service.ts';
import { TemporalSchedules, TemporalWorkflows } from '../core/temporal/gateway.ts';

const N = Number(process.env.PROBE_N ?? 80);
const kind = (process.env.PROBE_TEMPORAL ?? 'dev') as 'dev' | 'cluster';
const db = process.env.PROBE_DB ?? 'sqlite';
if (db === 'postgres') process.env.KAIROS_TEST_DATABASE = 'postgres';

/** Time spent in each wrapped call during the current request. */
let current: Map<string, number> | null = null;

/** Wraps methods of a prototype with timers that add to the current request's phases. */
function timed(proto: object, label: string, names: string[]): void {
  const p = proto as Record<string, unknown>;
  for (const name of names) {
    const original = p[name];
    if (typeof original !== 'function') throw new Error(`${label}.${name} is not a method`);
    p[name] = function (this: unknown, ...args: unknown[]) {
      const phases = current;
      const t0 = performance.now();
      const add = () => phases?.set(`${label}.${name}`, (phases.get(`${label}.${name}`) ?? 0) + performance.now() - t0);
      const out = (original as (...a: unknown[]) => unknown).apply(this, args);
      if (out instanceof Promise) return out.finally(add);
      add();
      return out;
    };
  }
}

timed(AuthStore.prototype, 'auth', ['authenticateBasic']);
timed(JobService.prototype, 'service', ['validate', 'create', 'get', 'runNow', 'recordVersion', 'assertMayFollow', 'held', 'compile', 'allow', 'viewFor']);
timed(JobStore.prototype, 'store', ['create', 'read', 'scheduledRuns', 'startRun']);
timed(JobHeads.prototype, 'heads', ['begin', 'succeeded', 'read']);
timed(VersionHistory.prototype, 'versions', ['written']);
timed(AuditLog.prototype, 'audit', ['record']);
timed(AccessService.prototype, 'access', ['grantOf', 'authorize', 'may']);
timed(SecretAccess.prototype, 'secrets', ['check']);
timed(RunService.prototype, 'runs', ['jobScope']);
timed(TemporalSchedules.prototype, 'temporal', ['create', 'describe']);
timed(TemporalWorkflows.prototype, 'temporal', ['start', 'listPage', 'count']);

const stack = await startOwnStack({ temporal: kind, logLevel: 'warn', env: { KAIROS_QUOTA_JOBS: '0', KAIROS_QUOTA_CONCURRENT_RUNS: '0' } });
const target = await startBenchTarget();
try {
  const client = await connect(stack.temporalAddress, stack.namespace);
  const koa: number[] = [];
  const requestLog = {
    write(line: string) {
      const r = JSON.parse(line) as { msg?: string; ms?: number };
      if (r.msg === 'request') koa.push(r.ms ?? 0);
    },
  };
  const cfg = loadConfig({ ...stack.env, KAIROS_PORT: String(await freePort()) });
  configureEgress(cfg);
  const api = await startApi(cfg, pino({ level: 'info' }, requestLog));
  const ctx: BenchContext = { apiUrl: api.url, auth: stack.auth, client, taskQueue: stack.taskQueue, target };
  const kairos = kairosSide(ctx);
  const raw = rawSide(ctx, await templateInput(ctx, `probe-template-${randomUUID().slice(0, 6)}`));
  type Op = 'create' | 'get' | 'runNow';
  const ops: Record<Op, { kairos: (id: string) => Promise<unknown>; raw: (id: string) => Promise<unknown> }> = {
    create: { kairos: (id) => kairos.create(id, { kind: 'never' }), raw: (id) => raw.create(`raw-${id}`, { kind: 'never' }) },
    get: {
      kairos: async (id) => {
        const res = await fetch(`${api.url}/v1/jobs/${id}`, { headers: { authorization: stack.auth } });
        await res.arrayBuffer();
      },
      raw: (id) => client.schedule.getHandle(`raw-${id}`).describe(),
    },
    runNow: { kairos: (id) => kairos.runNow(id), raw: (id) => raw.runNow(`raw-${id}`) },
  };
  const results: Record<Op, { total: number[]; raw: number[]; koa: number[]; phases: Map<string, number>[] }> = {
    create: { total: [], raw: [], koa: [], phases: [] },
    get: { total: [], raw: [], koa: [], phases: [] },
    runNow: { total: [], raw: [], koa: [], phases: [] },
  };
  for (let i = 0; i < N; i++) {
    const id = `probe-${randomUUID().slice(0, 8)}`;
    for (const op of ['create', 'get', 'runNow'] as const) {
      // Alternate which side goes first, so neither always follows the other.
      const sides = i % 2 ? (['raw', 'kairos'] as const) : (['kairos', 'raw'] as const);
      for (const side of sides) {
        const phases = new Map<string, number>();
        current = side === 'kairos' ? phases : null;
        const before = koa.length;
        const t0 = performance.now();
        await ops[op][side](id);
        const ms = performance.now() - t0;
        current = null;
        if (side === 'raw') results[op].raw.push(ms);
        else {
          results[op].total.push(ms);
          results[op].phases.push(phases);
          if (koa.length > before) results[op].koa.push(koa[koa.length - 1] ?? 0);
        }
        await new Promise((r) => setTimeout(r, 30));
      }
    }
  }
  console.log(`\n${N} of each on ${kind} Temporal, state store on ${db}; medians (ms), inclusive phases, from the second half (warm)`);
  for (const [op, r] of Object.entries(results)) {
    const warm = <T>(a: T[]) => a.slice(Math.floor(a.length / 2));
    console.log(`\n${op}: kairos p50 ${median(warm(r.total)).toFixed(2)} p99 ${p99(warm(r.total)).toFixed(2)} | raw p50 ${median(warm(r.raw)).toFixed(2)} p99 ${p99(warm(r.raw)).toFixed(2)} | in Koa p50 ${median(warm(r.koa)).toFixed(2)}`);
    const names = new Set(warm(r.phases).flatMap((m) => [...m.keys()]));
    for (const name of [...names].sort()) {
      const xs = warm(r.phases).map((m) => m.get(name) ?? 0);
      console.log(`  ${name.padEnd(24)} p50 ${median(xs).toFixed(2).padStart(7)}  p99 ${p99(xs).toFixed(2).padStart(7)}`);
    }
  }
  await api.close();
  await client.connection.close();
} finally {
  await target.close();
  await stack.stop();
}
