// The datasource run loop without Temporal: file sources into an NDJSON sink. A "crash" is an error
// thrown from the progress callback right after a batch was written (before its checkpoint could be
// heartbeated); the retry resumes from an older checkpoint, as a real one would after heartbeat lag.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { runDatasource } from '../../../activities/datasource/index.ts';
import type { Checkpoint, DatasourceProgress } from '../../../activities/datasource/checkpoint.ts';
import { DatasourceDataSchema, type DatasourceData } from '../../../core/drivers/datasource.ts';
import type { RunProgress } from '../../../core/runs/types.ts';

// Job files live only under KAIROS_DATASOURCE_DIRS: this file's own, set before the first run reads it.
const filesRoot = mkdtempSync(join(tmpdir(), 'kairos-ds-files-'));
process.env.KAIROS_DATASOURCE_DIRS = filesRoot;
const fixtures = join(filesRoot, 'fixtures');
const tempDir = async () => await mkdtemp(join(filesRoot, 'run-'));
void before(async () => {
  await cp(fileURLToPath(new URL('../../fixtures/datasource/', import.meta.url)), fixtures, { recursive: true });
});
void after(async () => {
  await rm(filesRoot, { recursive: true, force: true });
});

const data = (x: Record<string, unknown>): DatasourceData => DatasourceDataSchema.parse(x);

function runtime(onProgress?: (p: DatasourceProgress, n: number) => void, signal = new AbortController().signal) {
  const seen: DatasourceProgress[] = [];
  return {
    seen,
    rt: {
      signal,
      workflowId: 'wf-test',
      progress(p: RunProgress) {
        const dp = p as unknown as DatasourceProgress;
        seen.push(dp);
        onProgress?.(dp, seen.length);
      },
    },
  };
}

const lines = async (path: string) => (await readFile(path, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

async function bigFile(format: 'csv' | 'ndjson' | 'json', n: number): Promise<string> {
  const dir = await tempDir();
  const path = join(dir, `big.${format}`);
  const rows = Array.from({ length: n }, (_, i) => ({ id: i + 1, name: `name "${i}", with comma`, score: i % 97 === 5 ? 'bad' : String(i * 1.5) }));
  let text: string;
  if (format === 'csv') text = `id,name,score\n${rows.map((r) => `${r.id},"${r.name.replace(/"/g, '""')}",${r.score}`).join('\r\n')}\n`;
  else if (format === 'ndjson') text = rows.map((r) => JSON.stringify(r)).join('\n');
  else text = `[\n${rows.map((r) => JSON.stringify(r)).join(',\n')}\n]`;
  await writeFile(path, text);
  return path;
}

void describe('datasource run loop', () => {
  void it('CSV with quoting, bad rows and a bad cast: counts, samples with line numbers, writes the rest', async () => {
    const out = join(await tempDir(), 'out.ndjson');
    const { rt, seen } = runtime();
    const res = await runDatasource(
      data({
        source: { kind: 'file', path: join(fixtures, 'movies.csv'), format: 'csv' },
        key: 'id',
        mapping: { id: { type: 'integer' }, title: { from: 'name' }, rating: { type: 'number' }, released: { type: 'date' } },
        sink: { kind: 'ndjson', path: out },
        batchSize: 4,
      }),
      rt,
    );
    assert.deepEqual({ read: res.read, written: res.written, failed: res.failed, total: res.total }, { read: 10, written: 8, failed: 2, total: null });
    assert.deepEqual(
      res.badRecords.map((b) => [b.line, b.record]),
      [
        [7, 6],
        [8, 7],
      ],
    );
    assert.match(res.badRecords[0]?.error ?? '', /rating.*"not-a-number" is not a valid number/);
    assert.match(res.badRecords[1]?.error ?? '', /Invalid Record Length/);
    assert.equal(res.badRecords[1]?.raw, '7,Arrival,2016,7.9,2016-11-11,extra');
    const got = await lines(out);
    assert.deepEqual(
      got.map((r) => r.id),
      [1, 2, 3, 4, 5, 8, 9, 2],
    );
    assert.equal(got[3]?.title, 'Quote "Unquote"');
    assert.equal(got[6]?.title, 'Multi\nLine');
    assert.equal(got[5]?.title, 'Amélie');
    const last = seen.at(-1);
    assert.equal(last?.message, 'finished: 10 records, 8 written, 2 bad');
    assert.equal(last?.checkpoint.sink.batches, 3);
  });

  void it('NDJSON and JSON-array sources: bad lines and elements are sampled', async () => {
    const out = join(await tempDir(), 'out.ndjson');
    const nd = await runDatasource(
      data({ source: { kind: 'file', path: join(fixtures, 'movies.ndjson'), format: 'ndjson' }, key: 'id', mapping: { id: { type: 'integer' }, genre: { from: 'meta.genre' }, year: { type: 'integer' } }, sink: { kind: 'ndjson', path: out } }),
      runtime().rt,
    );
    assert.deepEqual([nd.read, nd.written, nd.failed], [6, 4, 2]);
    assert.deepEqual(
      nd.badRecords.map((b) => [b.line, b.error.slice(0, 12)]),
      [
        [5, 'invalid JSON'],
        [6, 'not a JSON o'],
      ],
    );
    assert.deepEqual((await lines(out)).map((r) => [r.id, r.genre, r.year]), [
      [1, 'sci-fi', 1999],
      [2, 'animation', 2001],
      [3, 'crime', 1995],
      [4, 'horror', 1979],
    ]);
    const js = await runDatasource(data({ source: { kind: 'file', path: join(fixtures, 'movies.json'), format: 'json' }, sink: { kind: 'ndjson', path: out } }), runtime().rt);
    assert.deepEqual([js.read, js.written, js.failed, js.badRecords[0]?.record], [4, 3, 1, 3]);
  });

  for (const format of ['csv', 'ndjson', 'json'] as const) {
    void it(`${format}: a crash after a batch, resumed from an older checkpoint, ends with exactly the clean run's output`, async () => {
      const src = await bigFile(format, 2500);
      const dir = await tempDir();
      const spec = (path: string) =>
        data({ source: { kind: 'file', path: src, format }, key: 'id', mapping: { id: { type: 'integer' }, name: {}, score: { type: 'number' } }, sink: { kind: 'ndjson', path }, batchSize: 100 });
      const clean = await runDatasource(spec(join(dir, 'clean.ndjson')), runtime().rt);

      const out = join(dir, 'crashed.ndjson');
      const checkpoints: Checkpoint[] = [];
      await assert.rejects(
        runDatasource(
          spec(out),
          runtime((p, n) => {
            checkpoints.push(p.checkpoint);
            if (n === 12) throw new Error('worker killed');
          }).rt,
        ),
        /worker killed/,
      );
      const older = checkpoints[8];
      assert.ok(older && older.read === 800, `checkpoint after 8 batches: ${JSON.stringify(older?.source)}`);
      await appendFile(out, '{"id": 99999, "torn": tr'); // a write cut short by the crash
      const resumed = await runDatasource(spec(out), runtime().rt, { ...older, resumes: older.resumes + 1 });

      assert.deepEqual(await readFile(out, 'utf8'), await readFile(join(dir, 'clean.ndjson'), 'utf8'));
      assert.deepEqual([resumed.read, resumed.written, resumed.failed, resumed.resumes], [clean.read, clean.written, clean.failed, 1]);
      assert.deepEqual(resumed.badRecords, clean.badRecords);
      assert.equal(clean.read, 2500);
      assert.equal(clean.failed, 26);
    });
  }

  void it('stop: ends after the batch in hand, keeps what was written and says where it stopped', async () => {
    const src = await bigFile('ndjson', 3000);
    const out = join(await tempDir(), 'out.ndjson');
    const ctl = new AbortController();
    const { rt } = runtime((_p, n) => n === 4 && ctl.abort(), ctl.signal);
    const err = await runDatasource(data({ source: { kind: 'file', path: src, format: 'ndjson' }, sink: { kind: 'ndjson', path: out }, batchSize: 200 }), rt).then(
      () => assert.fail('a stopped run does not succeed'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof CancelledFailure, String(err));
    const p = err.details[0] as DatasourceProgress;
    assert.match(err.message, /^stopped: stopped after 600 records, 600 written/);
    assert.equal(p.checkpoint.source.records, 600);
    assert.equal((await lines(out)).length, 600);
    assert.equal(p.checkpoint.sink.offset, (await readFile(out)).length);
  });

  void it('fails the run once bad records exceed maxBadRecords, naming the first ones', async () => {
    const out = join(await tempDir(), 'out.ndjson');
    const err = await runDatasource(
      data({ source: { kind: 'file', path: join(fixtures, 'movies.csv'), format: 'csv' }, key: 'id', mapping: { id: { type: 'integer' }, rating: { type: 'number' } }, sink: { kind: 'ndjson', path: out }, maxBadRecords: 1 }),
      runtime().rt,
    ).then(
      () => assert.fail('must fail'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ApplicationFailure);
    assert.equal(err.type, 'TooManyBadRecords');
    assert.equal(err.nonRetryable, true);
    assert.match(err.message, /too many bad records: 2 > maxBadRecords 1 .*line 7: field 'rating'.*line 8: Invalid Record Length/);
  });

  void it('a missing file is a retryable SourceUnreachable; a file outside the files directories is refused, not retried', async () => {
    const out = join(await tempDir(), 'out.ndjson');
    await assert.rejects(
      runDatasource(data({ source: { kind: 'file', path: join(filesRoot, 'nonexistent', 'x.csv'), format: 'csv' }, sink: { kind: 'ndjson', path: out } }), runtime().rt),
      (e: unknown) => e instanceof ApplicationFailure && e.type === 'SourceUnreachable' && !e.nonRetryable && /ENOENT/.test(e.message),
    );
    for (const path of ['/etc/passwd', join(process.env.KAIROS_DATA_DIR ?? join(process.cwd(), 'data'), 'secrets.json')]) {
      await assert.rejects(
        runDatasource(data({ source: { kind: 'file', path, format: 'json' }, sink: { kind: 'ndjson', path: out } }), runtime().rt),
        (e: unknown) => e instanceof ApplicationFailure && e.type === 'PathNotAllowed' && e.nonRetryable === true,
      );
    }
  });

  void it('sink modes: append keeps what the file held, replace truncates it, create refuses an existing file; a new file is 0600', async () => {
    const dir = await tempDir();
    const src = join(dir, 'two.ndjson');
    await writeFile(src, '{"id":1}\n{"id":2}\n');
    const out = join(dir, 'out.ndjson');
    const run = (mode?: string) => runDatasource(data({ source: { kind: 'file', path: src, format: 'ndjson' }, sink: { kind: 'ndjson', path: out, mode } }), runtime().rt);
    await run('create');
    assert.equal((await stat(out)).mode & 0o777, 0o600);
    await assert.rejects(run('create'), (e: unknown) => e instanceof ApplicationFailure && e.type === 'SinkExists' && e.nonRetryable === true);
    const { rt, seen } = runtime();
    await runDatasource(data({ source: { kind: 'file', path: src, format: 'ndjson' }, sink: { kind: 'ndjson', path: out } }), rt);
    assert.equal(await readFile(out, 'utf8'), '{"id":1}\n{"id":2}\n'.repeat(2), 'append is the default');
    assert.equal(seen.at(-1)?.checkpoint.sink.offset, 36, 'the checkpoint counts the bytes the file held before the run');
    await run('replace');
    assert.equal(await readFile(out, 'utf8'), '{"id":1}\n{"id":2}\n');
  });
});
