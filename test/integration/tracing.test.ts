// Traces and logs of a run (issue #16, items 2 and 3), on a private stack whose API and worker
// export to an OTLP receiver in this test (OTLP/HTTP JSON on loopback): a run-now of an http job is
// one trace — the API's request span, the workflow start, the workflow, the activity, its outbound
// request — whose context reaches the target as `traceparent`, and the dependency run it starts
// joins that trace; a scheduled run is a trace of its own that begins at the workflow. The worker's
// JSON log lines for the run (and its dependency run) carry the request id the API answered with,
// the job id and the run id.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startOwnStack, type OwnStack } from '../support/processes.ts';
import { startHttpTarget, type HttpTarget } from '../support/http-target.ts';
import { api, uniqueId } from '../support/env.ts';
import { waitFor } from '../support/wait-for.ts';

interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
}

/** An OTLP/HTTP receiver (JSON encoding) that keeps every span it is sent. */
async function startOtlpReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; close(): Promise<void> }> {
  const spans: ReceivedSpan[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url !== '/v1/traces' || !String(req.headers['content-type']).includes('json')) {
        res.writeHead(415).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        resourceSpans?: { resource?: { attributes?: { key: string; value: { stringValue?: string } }[] }; scopeSpans?: { spans?: Omit<ReceivedSpan, 'service'>[] }[] }[];
      };
      for (const rs of body.resourceSpans ?? []) {
        const service = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) spans.push({ service, traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId ?? '', name: s.name, kind: s.kind });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const addr = server.address();
  return {
    url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`,
    spans,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The worker's JSON log lines (its log file in the stack's data dir). */
function workerLines(s: OwnStack, log = 'worker.log'): Record<string, unknown>[] {
  const file = join(s.dataDir, log);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const SPAN_KIND_SERVER = 2;
const SPAN_KIND_CLIENT = 3;

describe('tracing and run logs (private stack exporting to an in-test OTLP receiver)', { timeout: 300_000 }, () => {
  let s: OwnStack;
  let target: HttpTarget;
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;

  before(async () => {
    receiver = await startOtlpReceiver();
    target = await startHttpTarget();
    s = await startOwnStack({
      logLevel: 'info',
      // Short batch delay: spans reach the receiver about as soon as they end.
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '100' },
    });
  });
  after(async () => {
    await s?.stop();
    await target?.close();
    await receiver?.close();
  });

  it('a run-now is one trace from the API request through the workflow and activity to the target, and its worker log lines carry the request id, job id and run id', async () => {
    const jobId = uniqueId('traced');
    const created = await api('POST', '/v1/jobs', { auth: s.auth, baseUrl: s.apiUrl, body: { id: jobId, type: 'http', data: { url: `${target.url}/traced/${jobId}` } } });
    assert.equal(created.status, 201, JSON.stringify(created.body));

    // A job that runs after it succeeds: its run joins the trace and carries the request id too.
    const after = uniqueId('traced-after');
    const dependent = await api('POST', '/v1/jobs', {
      auth: s.auth,
      baseUrl: s.apiUrl,
      body: { id: after, type: 'http', data: { url: `${target.url}/after/${after}` }, triggers: [{ type: 'job', jobId, on: ['succeeded'] }] },
    });
    assert.equal(dependent.status, 201, JSON.stringify(dependent.body));
    // The parent's run finds its dependents in Temporal's visibility: wait until this one is there.
    const connection = await Connection.connect({ address: s.temporalAddress });
    try {
      const client = new Client({ connection, namespace: s.namespace });
      await waitFor(async () => {
        for await (const _s of client.schedule.list({ query: `KairosAfterJobs = '${jobId}:succeeded'` })) return true;
        return false;
      }, 15_000, 'the dependent job visible');
    } finally {
      await connection.close();
    }

    const requestId = `test-${randomUUID()}`;
    const run = await api<{ runId: string }>('POST', `/v1/jobs/${jobId}/run`, { auth: s.auth, baseUrl: s.apiUrl, headers: { 'x-request-id': requestId } });
    assert.equal(run.status, 202, JSON.stringify(run.body));
    assert.equal(run.headers.get('x-request-id'), requestId, 'the API echoes a well-formed X-Request-Id');
    const { runId } = run.body;

    const hit = await waitFor(() => target.requests.find((r) => r.path === `/traced/${jobId}`), 60_000, 'the target to be called');
    const traceparent = String(hit.headers.traceparent ?? '');
    const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/.exec(traceparent);
    assert.ok(m, `the target got a W3C traceparent (got ${JSON.stringify(traceparent)})`);
    const [, traceId, callerSpanId] = m;

    const inTrace = () => receiver.spans.filter((sp) => sp.traceId === traceId);
    const names = () => inTrace().map((sp) => `${sp.service}:${sp.name}`);
    const want = ['kairos-api:POST /v1/jobs/:id/run', 'kairos-api:StartWorkflow:runJob', 'kairos-worker:RunWorkflow:runJob', 'kairos-worker:StartActivity:http', 'kairos-worker:RunActivity:http', 'kairos-worker:GET'];
    await waitFor(() => want.every((n) => names().includes(n)), 60_000, `spans ${want.join(', ')} in trace ${traceId}`).catch((err: Error) => {
      throw new Error(`${err.message}; trace has ${JSON.stringify(names())}; all spans: ${JSON.stringify(receiver.spans.map((sp) => `${sp.traceId.slice(0, 8)} ${sp.service}:${sp.name}`))}`);
    });
    const spans = inTrace();
    const byName = (n: string) => spans.find((sp) => `${sp.service}:${sp.name}` === n) as ReceivedSpan;
    const server = byName('kairos-api:POST /v1/jobs/:id/run');
    assert.equal(server.kind, SPAN_KIND_SERVER);
    assert.equal(server.parentSpanId, '', 'the API request span is the root (the test sent no traceparent)');
    // Parent links: API request → workflow start → workflow → activity start → activity → outbound request.
    const chain = want.map(byName);
    for (let i = 1; i < chain.length; i++) {
      const parent = chain[i - 1] as ReceivedSpan;
      const child = chain[i] as ReceivedSpan;
      assert.equal(child.parentSpanId, parent.spanId, `${child.name}'s parent is ${parent.name}`);
    }
    const outbound = byName('kairos-worker:GET');
    assert.equal(outbound.kind, SPAN_KIND_CLIENT);
    assert.equal(outbound.spanId, callerSpanId, "the target's traceparent names the activity's outbound request span");

    // The worker's lines about this run: the workflow's and the activity's, with the API's request id.
    const about = () => workerLines(s).filter((l) => l.runId === runId);
    const lines = await waitFor(() => {
      const ls = about();
      return ls.some((l) => l.msg === 'run finished') && ls.some((l) => l.msg === 'driver attempt succeeded') ? ls : undefined;
    }, 30_000, `worker log lines of run ${runId}`).catch((err: Error) => {
      throw new Error(`${err.message}; the worker log ends with ${JSON.stringify(workerLines(s).slice(-10))}`);
    });
    for (const l of lines) {
      assert.equal(l.requestId, requestId, `line ${JSON.stringify(l)} carries the request id`);
      assert.equal(l.jobId, jobId, `line ${JSON.stringify(l)} carries the job id`);
      assert.equal(l.svc, 'kairos-worker');
      assert.equal(typeof l.level, 'number', 'pino JSON');
    }
    const activityLine = lines.find((l) => l.msg === 'driver attempt succeeded') as Record<string, unknown>;
    assert.equal(activityLine.trace_id, traceId, "the activity's line names its trace");
    // The API's request line names the same trace and its own (server) span.
    const requestLine = await waitFor(() => workerLines(s, 'api.log').find((l) => l.msg === 'request' && l.requestId === requestId), 10_000, 'the API request line');
    assert.equal(requestLine.trace_id, traceId, "the API's request line names the trace");
    assert.equal(requestLine.span_id, server.spanId, "the API's request line names the request's span");

    // The dependent run: same trace (below the parent's dependents activity), same request id.
    const afterHit = await waitFor(() => target.requests.find((r) => r.path === `/after/${after}`), 60_000, 'the dependent run to call its target');
    assert.equal(/^00-([0-9a-f]{32})-/.exec(String(afterHit.headers.traceparent ?? ''))?.[1], traceId, "the dependent run is in the run-now's trace");
    const started = await waitFor(() => {
      const ts = inTrace();
      const start = ts.find((sp) => sp.service === 'kairos-worker' && sp.name === 'StartWorkflow:runJob');
      const parent = start && ts.find((sp) => sp.spanId === start.parentSpanId);
      return parent ? parent : undefined;
    }, 30_000, "the dependent run's start span in the trace");
    assert.equal(started.name, 'RunActivity:kairosStartDependents');
    const afterLines = await waitFor(() => {
      const ls = workerLines(s).filter((l) => l.jobId === after);
      return ls.some((l) => l.msg === 'run finished') ? ls : undefined;
    }, 30_000, 'worker log lines of the dependent run');
    for (const l of afterLines) assert.equal(l.requestId, requestId, `dependent line ${JSON.stringify(l)} carries the request id`);
  });

  it('a malformed X-Request-Id is replaced by a generated one', async () => {
    const res = await api('GET', '/v1/jobs?limit=1', { auth: s.auth, baseUrl: s.apiUrl, headers: { 'x-request-id': 'bad id with spaces' } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });

  it('a scheduled run is a trace of its own that begins at the workflow', async () => {
    const jobId = uniqueId('traced-sched');
    const created = await api('POST', '/v1/jobs', {
      auth: s.auth,
      baseUrl: s.apiUrl,
      body: { id: jobId, type: 'http', data: { url: `${target.url}/sched/${jobId}` }, triggers: [{ type: 'interval', every: '2s' }] },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const hit = await waitFor(() => target.requests.find((r) => r.path === `/sched/${jobId}`), 60_000, 'the scheduled run to call the target');
    await api('POST', `/v1/jobs/${jobId}/pause`, { auth: s.auth, baseUrl: s.apiUrl });
    const traceId = /^00-([0-9a-f]{32})-/.exec(String(hit.headers.traceparent ?? ''))?.[1];
    assert.ok(traceId, 'the scheduled run sent a traceparent too');
    const root = await waitFor(() => receiver.spans.find((sp) => sp.traceId === traceId && sp.name === 'RunWorkflow:runJob'), 60_000, 'the scheduled run\'s workflow span');
    assert.equal(root.parentSpanId, '', 'the workflow span is the root of a scheduled run\'s trace');
    assert.ok(!receiver.spans.some((sp) => sp.traceId === traceId && sp.service === 'kairos-api'), 'no API span in a scheduled run\'s trace');
  });
});
