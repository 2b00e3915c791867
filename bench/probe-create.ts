// Where a create's added latency goes: the same create done five ways, interleaved, at 1 client.
//   raw    client.schedule.create (the SDK), as the benchmark's raw side
//   store  Kairos's JobStore.create in this process (Kairos's schedule body, no HTTP, no API)
//   svc    Kairos's JobService.create in this process (+ validation, compile, next-time evaluation)
//   http   POST /v1/jobs through the API process (node:http keep-alive client, as the benchmarks)
//   fetch  the same through Node's fetch
//   inproc POST /v1/jobs to the same API code running in this process (and the time Koa measured)
// Medians of paired differences against raw tell what each layer adds.
// `npx tsx bench/probe-create.ts` (a diagnostic, not part of `npm run bench`).
import { startOwnStack } from '../test/support/processes.ts';
import { JobStore } from '../core/jobs/store.ts';
import { TemporalGateway } from '../core/temporal/gateway.ts';
import { JobService } from '../core/jobs/service.ts';
import { connect, kairosSide, rawSide, templateInput, type BenchContext } from './lib/sides.ts';
import { startBenchTarget } from './lib/target.ts';
import { median, p99 } from './lib/stats.ts';
import { startApi } from '../api/server.ts';
import { loadConfig } from '../core/config.ts';
import { freePort } from '../scripts/dev-server.ts';
import { pino } from 'pino';

const N = Number(process.env.PROBE_N ?? 60);
const stack = await startOwnStack({ logLevel: 'warn' });
const target = await startBenchTarget();
try {
  const client = await connect(stack.temporalAddress, stack.namespace);
  const ctx: BenchContext = { apiUrl: stack.apiUrl, auth: stack.auth, client, taskQueue: stack.taskQueue, target };
  const template = await templateInput(ctx, 'probe-template');
  const raw = rawSide(ctx, template);
  const kairos = kairosSide(ctx);
  const store = new JobStore(new TemporalGateway(client), stack.taskQueue);
  const jobs = new JobService(store);
  const admin = { id: 'admin', role: 'admin' as const };
  const body = (id: string) => ({ id, name: id, type: 'http', data: { url: target.urlFor(id) }, triggers: [{ type: 'cron', dialect: 'unix', expression: '0 3 1 1 *' }] });
  // The same API code in this process: tells the HTTP/Koa cost from that of a separate process.
  // Its request log lines carry the time Koa measured for each request.
  const inner: Record<string, number[]> = {};
  const requestLog = {
    write(line: string) {
      const r = JSON.parse(line) as { msg?: string; ms?: number; method?: string };
      if (r.msg === 'request' && r.method === 'POST') (inner['in the API (Koa, whole request)'] ??= []).push(r.ms ?? 0);
    },
  };
  const inproc = await startApi(loadConfig({ ...stack.env, KAIROS_PORT: String(await freePort()) }), pino({ level: 'info' }, requestLog));
  const local = kairosSide({ ...ctx, apiUrl: inproc.url });
  const ways: Record<string, (id: string) => Promise<unknown>> = {
    raw: (id) => raw.create(id, { kind: 'never' }),
    store: async (id) => {
      const { spec, compiled } = jobs.validate(body(id));
      const at = new Date().toISOString();
      await store.create({ ...spec, id, name: id, ownerId: 'admin', createdAt: at, updatedAt: at, version: 1 }, compiled);
    },
    svc: (id) => jobs.create(body(id), admin),
    http: (id) => kairos.create(id, { kind: 'never' }),
    // The same request through Node's fetch (undici), the client the benchmark used before.
    fetch: async (id) => {
      const res = await fetch(`${ctx.apiUrl}/v1/jobs`, { method: 'POST', headers: { authorization: ctx.auth, 'content-type': 'application/json' }, body: JSON.stringify(body(id)) });
      await res.arrayBuffer();
      if (res.status !== 201) throw new Error(`fetch create → ${res.status}`);
    },
    inproc: (id) => local.create(id, { kind: 'never' }),
  };
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(ways).map((k) => [k, []]));
  // Rotate the order every step and let the server settle between creates (each create leaves the
  // dev server a scheduler workflow to start), so no way always follows the same neighbour.
  const names = Object.keys(ways);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < names.length; j++) {
      const name = names[(i + j) % names.length] ?? 'raw';
      const t0 = performance.now();
      await ways[name]?.(`probe-${name}-${i}`);
      times[name]?.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 40));
    }
  }
  const base = times.raw ?? [];
  for (const [name, t] of Object.entries(times)) {
    const paired = t.map((x, i) => x - (base[i] ?? Number.NaN));
    console.log(`${name.padEnd(6)} p50 ${median(t).toFixed(2)} ms  p99 ${p99(t).toFixed(2)} ms  median paired diff vs raw ${median(paired).toFixed(2)} ms`);
  }
  for (const [name, t] of Object.entries(inner)) console.log(`inproc, ${name}: p50 ${median(t).toFixed(2)} ms`);
  await inproc.close();
} finally {
  await target.close?.();
  await stack.stop();
}
