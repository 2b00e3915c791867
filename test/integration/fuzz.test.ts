// Fuzzing (fast-check) every route of every API surface, the route list read from the routers:
// malformed JSON, wrong types, huge and deeply nested bodies, unicode and control characters,
// path-traversal and overlong ids, bad cron and duration strings → always a 4xx in the route's error
// shape, never a 5xx or a hang, and no state change. Every route without credentials → 401 (but the dashboard's static files, public by design).
// Bounded: KAIROS_FUZZ_RUNS inputs per route and property (default 8), a time limit per property.
import { waitFor } from '../support/wait-for.ts';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { adminAuth, apiUrl, temporalClient } from '../support/env.ts';
import { allRoutes, isErrorShape, type Route } from '../support/routes.ts';
import type { Client } from '@temporalio/client';

const RUNS = Number(process.env.KAIROS_FUZZ_RUNS ?? 8);
const TIME_LIMIT_MS = Number(process.env.KAIROS_FUZZ_MS_PER_PROPERTY ?? 700);
let requests = 0;
const routes = allRoutes();

interface Answer {
  status: number;
  body: unknown;
  text: string;
}

async function send(method: string, path: string, opts: { body?: string; contentType?: string; auth?: string | null } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  const auth = opts.auth === undefined ? adminAuth() : opts.auth;
  if (auth) headers.authorization = auth;
  if (opts.body !== undefined) headers['content-type'] = opts.contentType ?? 'application/json';
  requests++;
  const res = await fetch(`${apiUrl()}${path}`, { method, headers, body: opts.body, signal: AbortSignal.timeout(15_000) });
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  return { status: res.status, body, text };
}

/** Lone surrogates cannot be percent-encoded; replace them. */
const encode = (s: string) => encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, '\uFFFD'));

/** Path parameters that name nothing that exists: traversal, overlong, unicode and control characters. */
const PRE_ENCODED = ['..%2F..%2Fetc%2Fpasswd', '%2e%2e%2f%2e%2e%2f', '..%5C..%5Cwindows', '%00', 'a%00b', '%25', '%2525', 'x%0D%0ASet-Cookie:%20a=b'];
const paramArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...PRE_ENCODED),
  fc
    .oneof(
      fc.constantFrom('constructor', 'admin:constructor', 'toString', '....//....//etc', '\\..\\..\\', '${jndi:ldap://x/a}', "' OR 1=1 --", '<script>alert(1)</script>', '🕒⏰', 'ａｂｃ', '\u202eevil', 'nul', 'fuzz-never-created'),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }),
      fc.string({ minLength: 201, maxLength: 3000 }),
    )
    .filter((s) => s.trim() !== '' && s !== '.' && s !== '..')
    .map(encode),
);

const BAD_CRONS = [
  '* * * *', '60 * * * *', '* 24 * * *', '* * 32 * *', '* * * 13 *', '* * * * 8', '*/0 * * * *', '-1 * * * *',
  '0 12 * * 6#6', 'L L L L L', '@every', '@every -1s', '@whenever', '0 0 0 0 0 0 0 0', '', '   ', 'a b c d e',
  '1,,2 * * * *', '٣ * * * *', '*/99999999999999999999 * * * *', '0 0 ? * ? *', '0 0 12 LW-3 * ?', '0 0 12 * * 1#0 2100',
  '* * * * * * 2200', '\u0000 * * * *',
];
const BAD_DURATIONS = ['', '1y', 'P1M', 'P1Y', '-5m', 'abc', '1h-30m', 'PT', 'P', '∞', '10 s', '5mm', '1.5.5s', 'PT-1S', '2101-01-01T00:00:00Z', '2026-13-01T00:00:00Z', '2026-02-30T10:00:00Z', '99999999999999999999h'];
const badCron = fc.oneof(fc.constantFrom(...BAD_CRONS), fc.string({ maxLength: 20 }).map((s) => `${s} 99 99 99 99`));
const badDuration = fc.oneof(fc.constantFrom(...BAD_DURATIONS), fc.string({ unit: 'grapheme', maxLength: 10 }).map((s) => `${s}-1y`));

const KNOWN_KEYS = ['id', 'name', 'type', 'data', 'triggers', 'tags', 'enabled', 'retry', 'timeout', 'schedule', 'dueTime', 'ttl', 'repeats', 'value', 'username', 'password', 'role', 'ownerId', 'trigger', 'count', 'input', 'reason', 'overwrite', 'job', 'action', 'resource', 'expiresAt', '__proto__', 'constructor'];
/** A value of the wrong type for every field that names a string, number, boolean or array. */
const wrongValue = fc.oneof(fc.constant(null), fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(fc.integer(), fc.constant(null)), { minKeys: 1, maxKeys: 3 }));

const body: fc.Arbitrary<{ text: string; contentType?: string }> = fc.oneof(
  // malformed JSON
  fc
    .oneof(fc.constantFrom('{', '{"a":', '[1,2', '{"id": "x",}', "{'a':1}", 'nul', 'NaN', '{"a":1}{"b":2}', '{"a":"\\u12"}', '\u0000'), fc.string({ maxLength: 50 }))
    .filter((s) => {
      try {
        JSON.parse(s);
        return false;
      } catch {
        return true;
      }
    })
    .map((text) => ({ text })),
  // JSON that is not an object
  fc.oneof(fc.integer(), fc.string({ maxLength: 20 }), fc.boolean(), fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 })).map((v) => ({ text: JSON.stringify(v) })),
  // deeply nested
  fc.integer({ min: 500, max: 5000 }).chain((d) => fc.constantFrom('[', '{"a":').map((open) => ({ text: open === '[' ? `${'['.repeat(d)}${']'.repeat(d)}` : `${open.repeat(d)}1${'}'.repeat(d)}` }))),
  // known fields with wrong types, unicode and control characters in keys
  fc.dictionary(fc.oneof(fc.constantFrom(...KNOWN_KEYS), fc.string({ unit: 'binary', maxLength: 10 })), wrongValue, { minKeys: 1, maxKeys: 6 }).map((o) => ({ text: JSON.stringify(o) })),
  // bad cron and duration strings where each surface takes them
  fc.tuple(badCron, badDuration, fc.constantFrom('unix', 'quartz', 'dapr', 'hangfire')).map(([cron, dur, dialect]) => ({
    text: JSON.stringify({
      type: 'http',
      data: { url: 'http://127.0.0.1:9/never' },
      triggers: [{ type: 'cron', dialect, expression: cron }],
      trigger: { type: 'once', at: dur },
      schedule: cron,
      dueTime: dur,
      ttl: dur,
    }),
  })),
  fc.tuple(badCron, badDuration).map(([cron, dur]) => ({ text: JSON.stringify({ type: 'http', data: { url: 'http://127.0.0.1:9/x' }, triggers: [{ type: 'interval', every: dur }, { type: 'cron', expression: cron }] }) })),
  // a wrong content type
  fc.string({ maxLength: 30 }).map((text) => ({ text, contentType: 'text/plain' })),
);

const queryArb = fc
  .dictionary(
    fc.oneof(fc.constantFrom('limit', 'cursor', 'status', 'from', 'to', 'type', 'owner', 'tag', 'enabled', 'count', 'ownerId', 'page', 'state'), fc.string({ maxLength: 8 })),
    fc.oneof(fc.constantFrom('-1', '0', '1e9', 'NaN', 'abc', '%ZZ', '', 'AAAA', 'not-a-cursor', '2026-13-45'), fc.string({ unit: 'binary', maxLength: 40 })),
    { minKeys: 1, maxKeys: 4 },
  )
  .map((q) => Object.entries(q).map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&'));

function fill(route: Route, params: string[]): string {
  let i = 0;
  return route.path.replace(/:([A-Za-z0-9_]+)/g, () => params[i++] ?? 'x');
}

/** Dapr answers a GET of a missing job with a 500 (its scheduler's NotFound wrapped); the dialect copies it on purpose. */
function daprMissingJob(route: Route, a: Answer): boolean {
  const b = a.body as { errorCode?: string; message?: string } | null;
  return route.surface === 'dapr' && route.method === 'GET' && a.status === 500 && b?.errorCode === 'DAPR_SCHEDULER_GET_JOB' && /job not found/.test(b.message ?? '');
}

/** A route that answers a deliberate 501 in its error shape (a dialect feature Kairos does not offer, e.g. Fusion's Spark). */
const notImplemented = (route: Route, a: Answer) => a.status === 501 && isErrorShape(route.surface, 501, a.body);

function check(route: Route, path: string, a: Answer, requireClientError: boolean): void {
  const where = `${route.method} ${path.slice(0, 300)} → ${a.status} ${a.text.slice(0, 300)}`;
  if (daprMissingJob(route, a) || notImplemented(route, a)) return;
  assert.ok(a.status < 500, `no 5xx: ${where}`);
  if (a.status === 414 || a.status === 431) return; // Node's own limits on the request line / headers: no body to shape
  if (requireClientError || a.status >= 400) {
    assert.ok(a.status >= 400 && a.status < 500, `a 4xx: ${where}`);
    assert.ok(isErrorShape(route.surface, a.status, a.body), `the ${route.surface} error shape: ${where}`);
  }
}

/** fc.assert, with a short failure message (a counterexample may be megabytes). */
async function holds<T>(prop: fc.IAsyncPropertyWithHooks<T>, opts: fc.Parameters<T>): Promise<void> {
  const out = await fc.check(prop, opts);
  // fast-check counts a property interrupted by its time budget before one run finished as failed,
  // with no counterexample: that is the machine being busy (one request over the budget), not a
  // finding. A hang is still caught: send() times out after 15 s, which fails the run with its input.
  if (out.failed && out.interrupted && out.counterexample === null && out.errorInstance === null) return;
  if (out.failed) {
    const example = JSON.stringify(out.counterexample)?.slice(0, 400) ?? '';
    const cause = out.errorInstance instanceof Error ? out.errorInstance.message : String(out.errorInstance);
    throw new Error(`${cause.slice(0, 1500)}\n  counterexample (seed ${out.seed}, path ${out.counterexamplePath}): ${example}`);
  }
}

interface Snapshot {
  schedules: string[];
  users: unknown;
  apiKeys: unknown;
  secrets: unknown;
}

describe('fuzzing every route', { timeout: 240_000 }, () => {
  let client: Client;
  let before0: Snapshot;
  const snapshot = async (): Promise<Snapshot> => {
    const schedules: string[] = [];
    for await (const s of client.schedule.list({ pageSize: 1000 })) schedules.push(s.scheduleId);
    const get = async (p: string) => (await send('GET', p)).body;
    return { schedules: schedules.sort(), users: await get('/v1/users'), apiKeys: await get('/v1/api-keys'), secrets: await get('/v1/secrets') };
  };
  before(async () => {
    client = await temporalClient();
    before0 = await snapshot();
  });
  after(async () => {
    await client.connection.close();
  });

  it('discovers the routes of every surface from the routers', () => {
    for (const s of ['native', 'dapr', 'fusion'] as const) assert.ok(routes.some((r) => r.surface === s), `routes of ${s}`);
    assert.ok(routes.length >= 30, `${routes.length} routes`);
  });

  it('every route without credentials (or with wrong ones) → 401 in its error shape', async () => {
    for (const route of routes.filter((r) => !r.public)) {
      for (const auth of [null, 'Basic d3Jvbmc6Y3JlZGVudGlhbHM=', 'Bearer kairos_not-a-key']) {
        const path = fill(route, route.params.map(() => 'fuzz-unauth'));
        const a = await send(route.method, path, { auth, body: route.method === 'GET' || route.method === 'DELETE' ? undefined : '{}' });
        assert.equal(a.status, 401, `${route.method} ${path} without valid credentials → ${a.status} ${a.text.slice(0, 200)}`);
        assert.ok(isErrorShape(route.surface, 401, a.body), `${route.method} ${path}: 401 in the ${route.surface} error shape: ${a.text.slice(0, 200)}`);
      }
    }
  });

  it('malformed, hostile and oversized input → 4xx in the error shape, never 5xx or a hang', async () => {
    const mutating = routes.filter((r) => r.method !== 'GET' && r.method !== 'DELETE');
    for (const route of routes) {
      const params = fc.array(paramArb, { minLength: route.params.length, maxLength: route.params.length });
      const opts = { numRuns: RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false, endOnFailure: true } as const;
      if (route.params.length > 0) {
        // Ids that exist nowhere (and requests with hostile bodies on top).
        await holds(
          fc.asyncProperty(params, fc.option(body, { nil: undefined }), async (ps, b) => {
            const path = fill(route, ps);
            const withBody = route.method !== 'GET' && route.method !== 'DELETE' && b !== undefined;
            const a = await send(route.method, path, withBody ? { body: b.text, contentType: b.contentType } : {});
            // Deleting what does not exist is a success in Dapr (and idempotent elsewhere): 204 allowed there.
            const okDelete = route.method === 'DELETE' && route.surface === 'dapr' && a.status === 204;
            if (!okDelete) check(route, path, a, route.method !== 'GET');
          }),
          opts,
        );
      }
      if (route.method !== 'GET' && route.method !== 'DELETE') {
        // Hostile bodies on a route whose path is well-formed (a fixed id for parameters).
        const path = fill(route, route.params.map((p) => (p === 'appId' || p === 'app' ? 'fuzzapp' : 'fuzz-never-created')));
        await holds(
          fc.asyncProperty(body, async (b) => {
            const a = await send(route.method, path, { body: b.text, contentType: b.contentType });
            check(route, path, a, true);
          }),
          opts,
        );
      } else {
        // Hostile query strings.
        const base = fill(route, route.params.map(() => 'fuzz-never-created'));
        await holds(
          fc.asyncProperty(queryArb, async (q) => {
            const path = `${base}?${q}`;
            check(route, path, await send(route.method, path), false);
          }),
          opts,
        );
      }
    }
    // One oversized body per mutating route (over the 2 MiB limit): 413 in the error shape.
    const huge = JSON.stringify({ name: 'x'.repeat(3 * 1024 * 1024) });
    for (const route of mutating) {
      const path = fill(route, route.params.map((p) => (p === 'appId' || p === 'app' ? 'fuzzapp' : 'fuzz-never-created')));
      const a = await send(route.method, path, { body: huge });
      check(route, path, a, true);
    }
    // Names Object.prototype lends every plain object, as body keys and as ids, on every route: a
    // lookup keyed by client input must find nothing there (random runs hit these only sometimes).
    const INHERITED = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];
    for (const route of routes) {
      for (const name of INHERITED) {
        const path = fill(route, route.params.map(() => encode(name)));
        const withBody = route.method !== 'GET' && route.method !== 'DELETE';
        const a = await send(route.method, path, withBody ? { body: JSON.stringify({ [name]: { a: 1 }, id: name, name, jobIds: [name] }) } : {});
        const okDelete = route.method === 'DELETE' && route.surface === 'dapr' && a.status === 204;
        if (!okDelete) check(route, path, a, route.method !== 'GET');
        if (withBody && route.params.length > 0) {
          const fixed = fill(route, route.params.map((p) => (p === 'appId' || p === 'app' ? 'fuzzapp' : 'fuzz-never-created')));
          check(route, fixed, await send(route.method, fixed, { body: JSON.stringify({ [name]: 1 }) }), true);
        }
      }
    }
    console.log(`fuzz: ${routes.length} routes, ${requests} requests so far`);
  });

  it('changed no state', async () => {
    // Schedule lists come from visibility: a marker written after the fuzzing that shows up in the
    // list tells us the list has caught up with everything the fuzzing could have written.
    const marker = `fuzz-barrier-${Date.now()}`;
    const handle = await client.schedule.create({
      scheduleId: marker,
      spec: {},
      action: { type: 'startWorkflow', workflowType: 'runJob', taskQueue: 'fuzz-barrier' },
      state: { paused: true },
    });
    try {
      await waitFor(async () => {
        for await (const sch of client.schedule.list({ pageSize: 1000 })) if (sch.scheduleId === marker) return true;
        return false;
      }, 15_000, 'the visibility barrier');
      const now = await snapshot();
      assert.deepEqual({ ...now, schedules: now.schedules.filter((id) => id !== marker) }, before0);
    } finally {
      await handle.delete();
    }
  });
});
