// Tracing and log configuration and the pieces of tracing/logs that need no running stack (the
// whole path, API → workflow → activity → target, is test/integration/tracing.test.ts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import Koa from 'koa';
import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfig, workerEnv } from '../../../core/config.ts';
import { requestContext } from '../../../api/request-context.ts';
import { currentRequestId } from '../../../core/telemetry/request-scope.ts';
import { requestIdHeader, runLogFieldsOf } from '../../../core/telemetry/run-context.ts';
import { RUN_LOG_HEADER } from '../../../core/temporal/contract.ts';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporalLogger } from '../../../worker/telemetry.ts';

describe('tracing configuration (OpenTelemetry variable names)', () => {
  it('is off by default, and with OTEL_SDK_DISABLED or OTEL_TRACES_EXPORTER=none', () => {
    assert.equal(loadConfig({}).tracing.enabled, false);
    assert.equal(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }).tracing.enabled, false);
    assert.equal(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' }).tracing.enabled, false);
  });

  it('is on with an endpoint or OTEL_TRACES_EXPORTER=otlp; the traces URL follows the OTLP rules', () => {
    assert.deepEqual(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing, {
      enabled: true,
      url: 'http://collector:4318/v1/traces',
      protocol: 'http/protobuf',
      serviceName: undefined,
    });
    assert.equal(loadConfig({ OTEL_TRACES_EXPORTER: 'otlp' }).tracing.url, 'http://localhost:4318/v1/traces');
    const t = loadConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://x/otlp/traces', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_SERVICE_NAME: 'sched' }).tracing;
    assert.deepEqual(t, { enabled: true, url: 'https://x/otlp/traces', protocol: 'http/json', serviceName: 'sched' });
    assert.equal(loadConfig({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf' }).tracing.protocol, 'http/protobuf');
  });

  it('names the variable of a bad value (gRPC is refused with the way out)', () => {
    assert.throws(() => loadConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }), (err: Error) => err instanceof ConfigError && /OTEL_EXPORTER_OTLP_PROTOCOL: .*4318/.test(err.message));
    assert.throws(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317' }), /OTEL_EXPORTER_OTLP_ENDPOINT/);
    assert.throws(() => loadConfig({ OTEL_TRACES_EXPORTER: 'zipkin' }), /OTEL_TRACES_EXPORTER/);
  });

  it('reaches the worker (OTEL_* is in its environment)', () => {
    assert.deepEqual(workerEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SERVICE_NAME: 'w', KAIROS_ADMIN_PASSWORD: 'x' }), {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
      OTEL_SERVICE_NAME: 'w',
    });
  });
});

describe('request ids (api/request-context.ts)', () => {
  const serve = async (): Promise<{ url: string; seen: (string | undefined)[]; close(): void }> => {
    const app = new Koa();
    const seen: (string | undefined)[] = [];
    app.use(requestContext);
    app.use((ctx) => {
      // What the Temporal client interceptor reads, for every await below the middleware.
      seen.push(currentRequestId());
      ctx.body = { id: ctx.state.requestId as string };
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close: () => server.close() };
  };

  it('keeps a well-formed X-Request-Id, echoes it and makes it the request scope’s', async () => {
    const s = await serve();
    try {
      for (const id of ['0b6c1c4e-3d7f-4c5e-9d3e-2f1a8b7c6d5e', '01HZX3K2J8Q4R5S6T7V8W9XYZA', 'abc.def:ghi/jkl+mno=', 'a'.repeat(128)]) {
        const res = await fetch(s.url, { headers: { 'x-request-id': id } });
        assert.equal(res.headers.get('x-request-id'), id);
        assert.deepEqual(await res.json(), { id });
        assert.equal(s.seen.at(-1), id);
      }
    } finally {
      s.close();
    }
  });

  it('replaces a missing or malformed one by a new UUID', async () => {
    const s = await serve();
    try {
      for (const id of [undefined, '', 'has space', 'a'.repeat(129), 'line\tbreak', '<script>']) {
        const res = await fetch(s.url, { headers: id === undefined ? {} : { 'x-request-id': id } });
        const got = res.headers.get('x-request-id') ?? '';
        assert.match(got, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, `for ${JSON.stringify(id)}`);
        assert.equal(s.seen.at(-1), got);
      }
    } finally {
      s.close();
    }
  });
});

describe('run log headers', () => {
  it('carry a request id and the run fields; a malformed header is ignored', () => {
    const h = requestIdHeader('r-1');
    assert.equal(defaultPayloadConverter.fromPayload(Object.values(h)[0]!), 'r-1');
    const fields = { requestId: 'r-1', jobId: 'j', runId: 'j-manual-1' };
    assert.deepEqual(runLogFieldsOf({ [RUN_LOG_HEADER]: defaultPayloadConverter.toPayload(fields) }), fields);
    assert.equal(runLogFieldsOf({ [RUN_LOG_HEADER]: defaultPayloadConverter.toPayload({ jobId: 7 }) }), undefined);
    assert.equal(runLogFieldsOf({ [RUN_LOG_HEADER]: defaultPayloadConverter.toPayload('x') }), undefined);
    assert.equal(runLogFieldsOf(undefined), undefined);
  });
});

describe("the worker's Temporal logger (worker/telemetry.ts)", () => {
  it('writes pino JSON at the SDK level, the error under err, without the task token, below the level nothing', () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    const log = temporalLogger(pino({ level: 'info', base: { svc: 'kairos-worker' } }, sink));
    log.debug('hidden', {});
    log.info('Activity started', { runId: 'r', jobId: 'j', requestId: 'q', taskToken: 'opaque', [Symbol('ts')]: 1n });
    log.log('WARN', 'Activity failed', { error: new Error('boom') });
    assert.equal(lines.length, 2);
    assert.deepEqual({ ...lines[0], time: 0 }, { level: 30, time: 0, svc: 'kairos-worker', runId: 'r', jobId: 'j', requestId: 'q', msg: 'Activity started' });
    assert.equal(lines[1]?.level, 40);
    assert.equal((lines[1]?.err as { message: string }).message, 'boom');
  });
});
