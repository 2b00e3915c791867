// A worker killed with SIGKILL in the middle of an ingestion, and another started: the run resumes
// from the last heartbeated checkpoint and the PostgreSQL sink ends with exactly the source's rows.
//
// The shared stack's worker is not the test's to kill, and a job has no task-queue field, so this
// file launches its own worker and API (scripts/stack.ts, the same launcher `npm start` uses) on a
// task queue of its own, against the harness's Temporal server and data directory.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../../core/config.ts';
import { freePort } from '../../scripts/dev-server.ts';
import { launchStack, type Stack } from '../../scripts/stack.ts';
import { adminAuth, namespace, temporalAddress, uniqueId } from '../support/env.ts';
import { waitFor } from '../support/wait-for.ts';

const PG_URL = process.env.KAIROS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SECRET = 'DS_CRASH_PG';
const TOTAL = 3000;
const FIRST_SERVE = 1100; // the first response stalls after this many records
const BATCH = 250;

interface Run {
  status: string;
  attempts: number;
  error: { type: string; message: string } | null;
  progress: { read: number; written: number; failed: number; checkpoint: { source: { records: number; offset?: number } } } | null;
  output: { read: number; written: number; failed: number; resumes: number } | null;
}

describe('datasource: worker killed mid-ingestion', () => {
  let stack: Stack;
  let logDir: string;
  let server: Server;
  let sourceUrl = '';
  let db: pg.Client;
  const table = `ds_crash_${uniqueId('t').slice(2).replace(/-/g, '_')}`;
  const lines = Array.from({ length: TOTAL }, (_, i) => `${JSON.stringify({ id: i + 1, name: `item ${i + 1}`, price: ((i % 50) + 0.25).toFixed(2) })}\n`);
  const body = Buffer.from(lines.join(''));
  const offsetAfter = (n: number) => Buffer.byteLength(lines.slice(0, n).join(''));
  const requests: { range?: string }[] = [];

  const call = async <T>(method: string, path: string, json?: unknown): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${stack.apiUrl}${path}`, {
      method,
      headers: { authorization: adminAuth(), ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
      body: json === undefined ? undefined : JSON.stringify(json),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  };

  before(async () => {
    db = new pg.Client({ connectionString: PG_URL });
    await db.connect();
    server = createServer((req, res) => {
      const range = req.headers.range;
      requests.push({ range });
      const m = range ? /^bytes=(\d+)-$/.exec(range) : null;
      if (m) {
        const from = Number(m[1]);
        res.writeHead(206, { 'content-type': 'application/x-ndjson', 'content-range': `bytes ${from}-${body.length - 1}/${body.length}` });
        return void res.end(body.subarray(from));
      }
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      if (requests.length === 1) return void res.write(body.subarray(0, offsetAfter(FIRST_SERVE))); // then stall: a slow export
      res.end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const addr = server.address();
    sourceUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/export.ndjson`;

    logDir = await mkdtemp(join(tmpdir(), 'kairos-ds-crash-'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TEMPORAL_ADDRESS: temporalAddress(),
      TEMPORAL_NAMESPACE: namespace(),
      KAIROS_TASK_QUEUE: uniqueId('ds-crash'),
      KAIROS_PORT: String(await freePort()),
    };
    // Dialect listeners of the shared stack hold their ports: this API does without them.
    for (const k of Object.keys(env)) if (/^KAIROS_\w+_PORT$/.test(k) && !['KAIROS_TEMPORAL_PORT', 'KAIROS_UI_PORT'].includes(k)) delete env[k];
    stack = await launchStack(loadConfig(env), { env, logDir, readyTimeoutMs: 60_000 });
    const put = await call('PUT', `/v1/secrets/${SECRET}`, { value: PG_URL });
    assert.ok(put.status === 200 || put.status === 201, JSON.stringify(put.body));
  });

  after(async () => {
    await stack?.stop();
    server?.closeAllConnections();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await db?.query(`DROP TABLE IF EXISTS ${table}`);
    await db?.end();
    if (!process.env.KAIROS_KEEP_TEST_DATA) await rm(logDir, { recursive: true, force: true });
  });

  it('resumes from the checkpoint on another worker; the table holds every source row once', async () => {
    const created = await call<{ id: string }>('POST', '/v1/jobs', {
      type: 'datasource',
      data: {
        source: { kind: 'http', url: sourceUrl, format: 'ndjson' },
        key: 'id',
        mapping: { id: { type: 'integer' }, name: { type: 'string' }, price: { type: 'number' } },
        sink: { kind: 'postgres', connection: { $secret: SECRET }, table, create: true },
        batchSize: BATCH,
      },
      timeout: { heartbeat: '4s' },
      retry: { maxAttempts: 3, initialInterval: '500ms' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const started = await call<{ runId: string }>('POST', `/v1/jobs/${created.body.id}/run`);
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const runId = started.body.runId;
    const get = async () => (await call<Run>('GET', `/v1/runs/${runId}`)).body;

    // Four batches are in the table and heartbeated; the fifth is half read when the worker dies.
    const before = await waitFor(async () => {
      const r = await get();
      return (r.progress?.written ?? 0) >= 4 * BATCH ? r : undefined;
    }, 40_000, 'four batches checkpointed', 200);
    assert.equal(before.progress?.checkpoint.source.records, 4 * BATCH);
    const rowsAtKill = Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n);
    await stack.restartWorker('SIGKILL');

    const run = await waitFor(async () => {
      const r = await get();
      return r.status !== 'running' ? r : undefined;
    }, 60_000, 'the run to finish on the new worker', 250);
    assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
    assert.equal(run.attempts, 2, 'the second attempt finished the run');
    assert.equal(run.output?.resumes, 1, 'the second attempt resumed from a checkpoint');
    assert.deepEqual(run.output && [run.output.read, run.output.written, run.output.failed], [TOTAL, TOTAL, 0], 'counters are not doubled');
    assert.equal(requests.length, 2);
    assert.equal(requests[1]?.range, `bytes=${offsetAfter(4 * BATCH)}-`, 'the retry read on from the checkpointed byte offset');

    assert.ok(rowsAtKill >= 4 * BATCH, `rows at the kill: ${rowsAtKill}`);
    const res = await db.query<{ n: string; d: string; lo: number; hi: number; s: string }>(
      `SELECT count(*) AS n, count(DISTINCT id) AS d, min(id)::int AS lo, max(id)::int AS hi, sum(price)::text AS s FROM ${table}`,
    );
    const expectedSum = Array.from({ length: TOTAL }, (_, i) => (i % 50) + 0.25).reduce((a, b) => a + b, 0); // exact in binary
    assert.deepEqual(res.rows[0], { n: String(TOTAL), d: String(TOTAL), lo: 1, hi: TOTAL, s: String(expectedSum) });
  });
});
