// Datasource ingestion end to end through the native API, the real worker and the real dev server,
// with real files, a real HTTP source and sink on loopback, and the machine's PostgreSQL
// (scripts/ensure-postgres.sh starts it).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { api, filesDir, uniqueId } from '../support/env.ts';
import { waitFor } from '../support/wait-for.ts';

const PG_URL = process.env.KAIROS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SECRET = 'DS_TEST_PG';

interface Progress {
  done: number;
  total: number | null;
  read: number;
  written: number;
  failed: number;
  badRecords: { record: number; line?: number; error: string; raw?: string }[];
  checkpoint: { source: { records: number; offset?: number; lastKey?: string | number }; sink: { offset?: number; batches: number } };
}
interface Run {
  runId: string;
  status: string;
  attempts: number;
  error: { type: string; message: string } | null;
  progress: Progress | null;
  output: { read: number; written: number; failed: number; total: number | null; resumes: number } | null;
}

async function getRun(runId: string): Promise<Run> {
  const r = await api<Run>('GET', `/v1/runs/${runId}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}
const finished = (runId: string, timeoutMs = 30_000) =>
  waitFor(
    async () => {
      const r = await getRun(runId);
      return r.status !== 'running' ? r : undefined;
    },
    timeoutMs,
    `run ${runId} to finish`,
    200,
  );

/** An HTTP server on loopback; each test installs its own handler. */
interface Loopback {
  url: string;
  handle: (req: IncomingMessage, body: Buffer, res: ServerResponse) => void;
  close(): Promise<void>;
}
async function loopback(): Promise<Loopback> {
  const lb: Loopback = { url: '', handle: (_q, _b, res) => void res.writeHead(404).end(), close: async () => {} };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => lb.handle(req, Buffer.concat(chunks), res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  lb.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  lb.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return lb;
}

describe('datasource jobs', () => {
  let db: pg.Client;
  let http: Loopback;
  let dir: string;
  const jobs: string[] = [];
  const tables: string[] = [];

  before(async () => {
    db = new pg.Client({ connectionString: PG_URL });
    await db.connect();
    http = await loopback();
    dir = await mkdtemp(join(filesDir(), 'kairos-ds-it-'));
    const put = await api('PUT', `/v1/secrets/${SECRET}`, { body: { value: PG_URL } });
    assert.ok(put.status === 200 || put.status === 201, JSON.stringify(put.body));
  });
  after(async () => {
    for (const id of jobs) await api('DELETE', `/v1/jobs/${id}`);
    for (const t of tables) await db.query(`DROP TABLE IF EXISTS ${t}`);
    await db.end();
    await http.close();
    await rm(dir, { recursive: true, force: true });
  });

  const table = (prefix: string) => {
    const t = `${prefix}_${uniqueId('t').slice(2).replace(/-/g, '_')}`;
    tables.push(t);
    return t;
  };
  async function job(data: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<string> {
    const res = await api<{ id: string }>('POST', '/v1/jobs', { body: { type: 'datasource', data, timeout: { heartbeat: '10s' }, ...extra } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    jobs.push(res.body.id);
    return res.body.id;
  }
  async function runNow(jobId: string): Promise<string> {
    const res = await api<{ runId: string }>('POST', `/v1/jobs/${jobId}/run`);
    assert.equal(res.status, 202, JSON.stringify(res.body));
    return res.body.runId;
  }

  it('rejects inline credentials at save time', async () => {
    const res = await api<{ error: { details: { path: string; message: string }[] } }>('POST', '/v1/jobs', {
      body: { type: 'datasource', data: { source: { kind: 'file', path: join(dir, 'x.csv'), format: 'csv' }, key: 'id', sink: { kind: 'postgres', connection: PG_URL, table: 't' } } },
    });
    assert.equal(res.status, 400);
    assert.deepEqual(
      res.body.error.details.map((d) => d.path),
      ['data.sink.connection'],
    );
  });

  it('CSV file → PostgreSQL: upserts on the key, bad rows counted with line numbers, a rerun changes nothing', async () => {
    const t = table('ds_csv');
    const rows = ['id,title,year,rating'];
    for (let i = 1; i <= 3000; i++) rows.push(`${i},"Movie ${i}, part ${i % 3}",${1950 + (i % 70)},${(i % 10) + 0.5}`);
    rows.push('17,"Movie 17, remastered",1967,9.9'); // upsert: the later row wins
    rows.push('3001,Broken,not-a-year,1.0'); // failed cast — line 3003
    rows.push('3002,Too,many,columns,here'); // unparseable row — line 3004
    const path = join(dir, 'movies.csv');
    await writeFile(path, `${rows.join('\n')}\n`);

    const id = await job({
      source: { kind: 'file', path, format: 'csv' },
      key: 'id',
      mapping: { id: { type: 'integer' }, title: { type: 'string' }, year: { type: 'integer' }, rating: { type: 'number' } },
      sink: { kind: 'postgres', connection: { $secret: SECRET }, table: t, create: true },
      batchSize: 500,
      maxBadRecords: 10,
    });
    const run = await finished(await runNow(id));
    assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
    const p = run.progress;
    assert.ok(p);
    assert.deepEqual([p.read, p.written, p.failed, p.total], [3003, 3001, 2, null]);
    assert.deepEqual(
      p.badRecords.map((b) => b.line),
      [3003, 3004],
    );
    assert.match(p.badRecords[0]?.error ?? '', /year.*"not-a-year" is not a valid integer/);
    assert.deepEqual(run.output && [run.output.read, run.output.written, run.output.failed], [3003, 3001, 2]);
    const count = await db.query<{ n: string; d: string }>(`SELECT count(*) AS n, count(DISTINCT id) AS d FROM ${t}`);
    assert.deepEqual(count.rows[0], { n: '3000', d: '3000' });
    const m17 = await db.query<{ title: string; rating: number; year: string }>(`SELECT title, rating, year FROM ${t} WHERE id = 17`);
    assert.deepEqual(m17.rows[0], { title: 'Movie 17, remastered', rating: 9.9, year: '1967' });

    const again = await finished(await runNow(id));
    assert.equal(again.status, 'succeeded');
    const after = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${t}`);
    assert.equal(after.rows[0]?.n, '3000');
  });

  it('NDJSON over HTTP → HTTP sink in batches with idempotency keys', async () => {
    const src = Array.from({ length: 1050 }, (_, i) => JSON.stringify({ sku: `S-${i + 1}`, qty: String(i % 7), tags: ['a', i] })).join('\n');
    const received = new Map<string, unknown[]>();
    const batchSizes: number[] = [];
    http.handle = (req, body, res) => {
      if (req.url === '/items.ndjson') return void res.writeHead(200, { 'content-type': 'application/x-ndjson' }).end(src);
      if (req.url === '/ingest' && req.method === 'POST') {
        const key = String(req.headers['idempotency-key']);
        const batch = JSON.parse(body.toString()) as unknown[];
        batchSizes.push(batch.length);
        received.set(key, batch); // a receiver that remembers keys: a resent batch replaces itself
        return void res.writeHead(204).end();
      }
      res.writeHead(404).end();
    };
    const id = await job({
      source: { kind: 'http', url: `${http.url}/items.ndjson`, format: 'ndjson' },
      key: 'sku',
      mapping: { sku: { type: 'string' }, qty: { type: 'integer' }, tags: { type: 'json' } },
      sink: { kind: 'http', url: `${http.url}/ingest`, format: 'json' },
      batchSize: 200,
    });
    const runId = await runNow(id);
    const run = await finished(runId);
    assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
    assert.deepEqual(batchSizes, [200, 200, 200, 200, 200, 50]);
    assert.deepEqual([...received.keys()], [0, 200, 400, 600, 800, 1000].map((n) => `${runId}:${n}`));
    const all = [...received.values()].flat() as { sku: string; qty: number; tags: unknown[] }[];
    assert.equal(all.length, 1050);
    assert.equal(new Set(all.map((r) => r.sku)).size, 1050);
    assert.deepEqual(all[8], { sku: 'S-9', qty: 1, tags: ['a', 8] });
  });

  it('PostgreSQL query (keyset pages) → NDJSON file, with a known total', async () => {
    const t = table('ds_src');
    await db.query(`CREATE TABLE ${t} (id int PRIMARY KEY, name text, created timestamptz)`);
    await db.query(`INSERT INTO ${t} SELECT g, 'name ' || g, timestamptz '2024-01-01' + g * interval '1 hour' FROM generate_series(1, 1234) g`);
    const out = join(dir, 'nested', 'export.ndjson');
    const id = await job({
      source: { kind: 'postgres', connection: { $secret: SECRET }, query: `SELECT id, name, created FROM ${t} WHERE id % 2 = 0`, keyColumn: 'id' },
      key: 'id',
      mapping: { id: { type: 'integer' }, label: { from: 'name' }, created: { type: 'timestamp' } },
      sink: { kind: 'ndjson', path: out },
      batchSize: 100,
    });
    const run = await finished(await runNow(id));
    assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
    assert.deepEqual(run.progress && [run.progress.read, run.progress.written, run.progress.total, run.progress.checkpoint.source.lastKey], [617, 617, 617, 1234]);
    const lines = (await readFile(out, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as { id: number; label: string; created: string });
    assert.equal(lines.length, 617);
    assert.deepEqual(lines[0], { id: 2, label: 'name 2', created: '2024-01-01T02:00:00.000Z' });
    assert.deepEqual(
      lines.map((l) => l.id),
      Array.from({ length: 617 }, (_, i) => (i + 1) * 2),
    );
  });

  it('stop mid-run: ends within the batch in hand, keeps what was written, records where it stopped', async () => {
    const out = join(dir, 'stopped.ndjson');
    let release: () => void = () => {};
    http.handle = (req, _b, res) => {
      if (req.url !== '/slow.ndjson') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      // 250 records, then the source stalls (a slow export) until the test ends.
      res.write(`${Array.from({ length: 250 }, (_, i) => JSON.stringify({ id: i + 1 })).join('\n')}\n`);
      release = () => res.end();
    };
    const id = await job({ source: { kind: 'http', url: `${http.url}/slow.ndjson`, format: 'ndjson' }, key: 'id', sink: { kind: 'ndjson', path: out }, batchSize: 100 });
    const runId = await runNow(id);
    await waitFor(async () => ((await getRun(runId)).progress?.written ?? 0) >= 200, 20_000, 'two batches written', 200);
    const stop = await api('POST', `/v1/runs/${runId}/stop`);
    assert.equal(stop.status, 202);
    const run = await finished(runId, 20_000);
    release();
    assert.equal(run.status, 'cancelled');
    const lines = (await readFile(out, 'utf8')).trimEnd().split('\n');
    assert.equal(lines.length, 250, 'the records read before the stop are written');
    assert.ok(run.progress, 'the stopped run records its progress');
    assert.deepEqual([run.progress.read, run.progress.written, run.progress.checkpoint.source.records], [250, 250, 250]);
    assert.equal(run.progress.checkpoint.sink.offset, (await readFile(out)).length);
  });

  it('more bad records than maxBadRecords fails the run at once with a clear error', async () => {
    const path = join(dir, 'bad.ndjson');
    await writeFile(path, '{"id":1}\n{"id":"x"}\nnot json\n{"id":4}\n');
    const id = await job({ source: { kind: 'file', path, format: 'ndjson' }, key: 'id', mapping: { id: { type: 'integer' } }, sink: { kind: 'ndjson', path: join(dir, 'bad-out.ndjson') }, maxBadRecords: 1 });
    const run = await finished(await runNow(id));
    assert.equal(run.status, 'failed');
    assert.equal(run.attempts, 1, 'not retried');
    assert.equal(run.error?.type, 'TooManyBadRecords');
    assert.match(run.error?.message ?? '', /too many bad records: 2 > maxBadRecords 1 .*line 2: field 'id': "x" is not a valid integer; line 3: invalid JSON/);
  });

  it('an unreachable source is retried, then the run fails with the reason', async () => {
    const closed = await loopback();
    const url = `${closed.url}/gone.csv`;
    await closed.close();
    const id = await job(
      { source: { kind: 'http', url, format: 'csv' }, sink: { kind: 'ndjson', path: join(dir, 'never.ndjson') } },
      { retry: { maxAttempts: 2, initialInterval: '500ms' } },
    );
    const run = await finished(await runNow(id));
    assert.equal(run.status, 'failed');
    assert.equal(run.attempts, 2);
    assert.equal(run.error?.type, 'SourceUnreachable');
    assert.match(run.error?.message ?? '', /GET http:\/\/127\.0\.0\.1:\d+\/gone\.csv failed: .*ECONNREFUSED/);
  });
});
