// Trust boundary, files and databases (issue 13, items 2 and 3): a NON-ADMIN user tries to make a
// datasource job read or write what it must not, through the native API and Fusion's Connector
// Datasources API. Each attempt is refused — a 400 at save where the path alone shows it, a failed run
// (not retried) where only the file system does — and the side effect is absent: the target file is
// unchanged, no line of it (or of the worker's environment) appears in the run, the table still exists.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ApplicationFailure } from '@temporalio/common';
import { postgresSource } from '../../activities/datasource/sources/postgres.ts';
import { api, filesDir, uniqueId, type ApiResponse } from '../support/env.ts';
import { waitFor } from '../support/wait-for.ts';

const PG_URL = process.env.KAIROS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SECRET_LINE = `KAIROS_SECURITY_CANARY=${uniqueId('canary')}`;
const F = '/fusion/api';

interface Run {
  runId: string;
  status: string;
  attempts: number;
  error: { type: string; message: string } | null;
  progress: { read?: number; written?: number; badRecords?: { raw?: string }[] } | null;
}
interface ErrorDetails {
  details?: { path: string; message: string }[];
  error?: { details?: { path: string; message: string }[] };
}

describe('security: datasource files and PostgreSQL sources, as a non-admin user', () => {
  let user = '';
  let work = ''; // inside the allowed files directory
  let outside = ''; // a directory no job may touch
  let victim = '';
  let db: pg.Client;
  const secret = `SEC_FILES_PG_${uniqueId('s').slice(2).replace(/-/g, '_').toUpperCase()}`;
  const jobs: string[] = [];
  const tables: string[] = [];

  before(async () => {
    const username = uniqueId('mallory');
    const created = await api('POST', '/v1/users', { body: { username, password: 'user-password-1', role: 'user' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    user = `Basic ${Buffer.from(`${username}:user-password-1`).toString('base64')}`;
    work = await mkdtemp(join(filesDir(), 'sec-files-'));
    outside = await mkdtemp(join(tmpdir(), 'kairos-sec-outside-'));
    victim = join(outside, 'victim.txt');
    await writeFile(victim, `${SECRET_LINE}\n`);
    await writeFile(join(work, 'in.ndjson'), '{"id":1}\n{"id":2}\n');
    db = new pg.Client({ connectionString: PG_URL });
    await db.connect();
    // The user's own secret where users may keep secrets; otherwise the admin's (as before issue 13's secrets work).
    const own = await api('PUT', `/v1/secrets/${secret}`, { auth: user, body: { value: PG_URL } });
    if (own.status !== 200 && own.status !== 201) {
      const put = await api('PUT', `/v1/secrets/${secret}`, { body: { value: PG_URL } });
      assert.ok(put.status === 200 || put.status === 201, JSON.stringify(put.body));
    }
  });
  after(async () => {
    for (const id of jobs) await api('DELETE', `/v1/jobs/${id}`);
    for (const t of tables) await db?.query(`DROP TABLE IF EXISTS ${t}; DROP SEQUENCE IF EXISTS ${t}_seq`);
    await db?.end();
    await api('DELETE', `/v1/secrets/${secret}`);
    await rm(work, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  const source = (path: string) => ({ kind: 'file', path, format: 'ndjson' });
  const sink = (path: string, mode?: string) => ({ kind: 'ndjson', path, ...(mode ? { mode } : {}) });
  const inFile = () => source(join(work, 'in.ndjson'));
  const outFile = () => sink(join(work, `${uniqueId('out')}.ndjson`));

  /** Saves a datasource job through the native API or Fusion's Connector Datasources API; the job id and the raw answer. */
  async function save(surface: 'v1' | 'fusion', data: Record<string, unknown>): Promise<{ jobId: string; res: ApiResponse<ErrorDetails> }> {
    const id = uniqueId('secfiles');
    if (surface === 'v1') {
      const res = await api<ErrorDetails>('POST', '/v1/jobs', { auth: user, body: { id, type: 'datasource', data, timeout: { heartbeat: '10s' }, retry: { maxAttempts: 3, initialInterval: '200ms' } } });
      if (res.status === 201) jobs.push(id);
      return { jobId: id, res };
    }
    const res = await api<ErrorDetails>('POST', `${F}/connectors/datasources`, { auth: user, body: { id, connector: 'kairos', type: 'file', properties: data } });
    if (res.status === 200) jobs.push(`fusion.datasource.${id}`);
    return { jobId: `fusion.datasource.${id}`, res };
  }

  async function refusedAtSave(surface: 'v1' | 'fusion', data: Record<string, unknown>, field: string, rule: RegExp): Promise<void> {
    const { jobId, res } = await save(surface, data);
    assert.equal(res.status, 400, JSON.stringify(res.body));
    const details = res.body.details ?? res.body.error?.details ?? [];
    const hit = details.find((d) => d.path === `data.${field}` || d.path === field);
    assert.ok(hit, `a detail names ${field}: ${JSON.stringify(details)}`);
    assert.match(hit.message, rule);
    assert.equal((await api('GET', `/v1/jobs/${jobId}`, { auth: user })).status, 404, 'nothing was saved');
  }

  /** Runs a job (native: run now; Fusion: the start action) and waits for its end. */
  async function runToEnd(surface: 'v1' | 'fusion', jobId: string): Promise<Run> {
    let runId: string;
    if (surface === 'v1') {
      const res = await api<{ runId: string }>('POST', `/v1/jobs/${jobId}/run`, { auth: user });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      runId = res.body.runId;
    } else {
      const res = await api<{ accepted: boolean }>('POST', `${F}/jobs/datasource:${jobId.replace(/^fusion\.datasource\./, '')}/actions`, { auth: user, body: { action: 'start' } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.accepted, true);
      runId = await waitFor(async () => (await api<{ items: { runId: string }[] }>('GET', `/v1/jobs/${jobId}/runs`, { auth: user })).body.items[0]?.runId, 20_000, 'the started run', 200);
    }
    return await waitFor(
      async () => {
        const r = await api<Run>('GET', `/v1/runs/${runId}`, { auth: user });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        return r.body.status !== 'running' ? r.body : undefined;
      },
      30_000,
      `run ${runId} to end`,
      200,
    );
  }

  /** The run failed at once with the rule, and nothing of the file or of the worker's environment is in it. */
  function failedWithoutLeak(run: Run, type: string, rule?: RegExp): void {
    assert.equal(run.status, 'failed', JSON.stringify(run));
    assert.equal(run.error?.type, type, JSON.stringify(run.error));
    assert.equal(run.attempts, 1, 'a refusal is not retried');
    if (rule) assert.match(run.error?.message ?? '', rule);
    const text = JSON.stringify(run);
    assert.ok(!text.includes(SECRET_LINE), 'no line of the target file in the run');
    assert.ok(!text.includes(process.env.KAIROS_ADMIN_PASSWORD ?? '\0'), 'no line of the worker environment in the run');
    assert.ok(!/root:x:0:0/.test(text), 'no line of /etc/passwd in the run');
  }

  for (const surface of ['v1', 'fusion'] as const) {
    describe(`through ${surface === 'v1' ? 'the native API' : "Fusion's Connector Datasources API"}`, () => {
      it('a source outside the files directories is a 400 at save naming data.source.path and the rule', async () => {
        const dataDir = process.env.KAIROS_DATA_DIR ?? '';
        await refusedAtSave(surface, { source: source('/etc/passwd'), sink: outFile() }, 'source.path', /under a directory of KAIROS_DATASOURCE_DIRS/);
        await refusedAtSave(surface, { source: source('/proc/self/environ'), sink: outFile() }, 'source.path', /under a directory of KAIROS_DATASOURCE_DIRS/);
        await refusedAtSave(surface, { source: source(`${work}/../../../../../../etc/passwd`), sink: outFile() }, 'source.path', /"\.\."/);
        await refusedAtSave(surface, { source: source(join(dataDir, 'auth.json')), sink: outFile() }, 'source.path', /under a directory of KAIROS_DATASOURCE_DIRS/);
        await refusedAtSave(surface, { source: source('in.ndjson'), sink: outFile() }, 'source.path', /absolute/);
        if (surface === 'v1') {
          const asAdmin = await api<ErrorDetails>('POST', '/v1/jobs', { body: { type: 'datasource', data: { source: source('/etc/passwd'), sink: outFile() } } });
          assert.equal(asAdmin.status, 400, 'the operator decides: an admin cannot bypass it either');
        }
      });

      it('a sink outside the files directories is a 400 at save naming data.sink.path; the target is untouched', async () => {
        await refusedAtSave(surface, { source: inFile(), sink: sink(victim, 'replace') }, 'sink.path', /under a directory of KAIROS_DATASOURCE_DIRS/);
        await refusedAtSave(surface, { source: inFile(), sink: sink(`${work}/../../${join(outside, 'new.ndjson')}`) }, 'sink.path', /"\.\."/);
        assert.equal(await readFile(victim, 'utf8'), `${SECRET_LINE}\n`);
      });

      it('a symbolic link inside the files directory (to a file outside, to /proc/self/environ, or as a parent directory) fails the run unread', async () => {
        const tag = uniqueId(surface);
        await symlink(victim, join(work, `${tag}-victim.ndjson`));
        await symlink('/proc/self/environ', join(work, `${tag}-environ.ndjson`));
        await symlink(outside, join(work, `${tag}-dir`));
        for (const [path, rule] of [
          [join(work, `${tag}-victim.ndjson`), /is a symbolic link/],
          [join(work, `${tag}-environ.ndjson`), /is a symbolic link/],
          [join(work, `${tag}-dir`, 'victim.txt'), /passes through a symbolic link/],
        ] as const) {
          const { jobId, res } = await save(surface, { source: source(path), sink: outFile(), maxBadRecords: 1000 });
          assert.equal(res.status, surface === 'v1' ? 201 : 200, JSON.stringify(res.body));
          failedWithoutLeak(await runToEnd(surface, jobId), 'PathNotAllowed', rule);
        }
      });

      it('an NDJSON sink over a symbolic link fails the run; the link target is unchanged', async () => {
        const link = join(work, `${uniqueId('sinklink')}.ndjson`);
        await symlink(victim, link);
        for (const mode of ['append', 'replace']) {
          const { jobId, res } = await save(surface, { source: inFile(), sink: sink(link, mode) });
          assert.equal(res.status, surface === 'v1' ? 201 : 200, JSON.stringify(res.body));
          failedWithoutLeak(await runToEnd(surface, jobId), 'PathNotAllowed', /is a symbolic link/);
        }
        const parent = join(work, uniqueId('sinkdir'));
        await symlink(outside, parent);
        const { jobId } = await save(surface, { source: inFile(), sink: sink(join(parent, 'victim.txt'), 'replace') });
        failedWithoutLeak(await runToEnd(surface, jobId), 'PathNotAllowed', /passes through a symbolic link/);
        assert.equal(await readFile(victim, 'utf8'), `${SECRET_LINE}\n`);
      });

      it('an existing file is replaced only with mode "replace": "create" refuses it, the default appends; new files are 0600', async () => {
        const existing = join(work, `${uniqueId('existing')}.ndjson`);
        await writeFile(existing, '{"kept":true}\n');
        const created = await save(surface, { source: inFile(), sink: sink(existing, 'create') });
        const refused = await runToEnd(surface, created.jobId);
        assert.equal(refused.status, 'failed');
        assert.equal(refused.error?.type, 'SinkExists');
        assert.equal(refused.attempts, 1);
        assert.equal(await readFile(existing, 'utf8'), '{"kept":true}\n', 'create left the file as it was');

        const appended = await save(surface, { source: inFile(), sink: sink(existing) });
        assert.equal((await runToEnd(surface, appended.jobId)).status, 'succeeded');
        assert.equal(await readFile(existing, 'utf8'), '{"kept":true}\n{"id":1}\n{"id":2}\n', 'append (the default) keeps what was there');

        const replaced = await save(surface, { source: inFile(), sink: sink(existing, 'replace') });
        assert.equal((await runToEnd(surface, replaced.jobId)).status, 'succeeded');
        assert.equal(await readFile(existing, 'utf8'), '{"id":1}\n{"id":2}\n', 'replace replaces');

        const fresh = join(work, uniqueId('new'), 'deep', 'out.ndjson');
        const made = await save(surface, { source: inFile(), sink: sink(fresh, 'create') });
        assert.equal((await runToEnd(surface, made.jobId)).status, 'succeeded');
        assert.equal((await stat(fresh)).mode & 0o777, 0o600, 'a new sink file is 0600');
      });
    });
  }

  describe('PostgreSQL source', () => {
    let t = '';
    before(async () => {
      t = `sec_files_${uniqueId('t').slice(2).replace(/-/g, '_')}`;
      tables.push(t);
      await db.query(`CREATE TABLE ${t} (id int PRIMARY KEY, name text); INSERT INTO ${t} VALUES (1, 'one'), (2, 'two'); CREATE SEQUENCE ${t}_seq`);
    });
    const pgSource = (query: string) => ({ source: { kind: 'postgres', connection: { $secret: secret }, query, keyColumn: 'id' }, sink: outFile() });
    const tableExists = async () => (await db.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [t])).rows[0]?.t === t;

    it('a query that ends the transaction and drops a table fails the run; the table still exists', async () => {
      for (const surface of ['v1', 'fusion'] as const) {
        for (const query of [
          `SELECT id FROM ${t}) AS src; ROLLBACK; BEGIN READ WRITE; DROP TABLE ${t}; COMMIT; SELECT * FROM (SELECT id FROM ${t}`,
          `SELECT id FROM ${t}) AS src; COMMIT; SET default_transaction_read_only = off; COMMIT; DROP TABLE ${t}; SELECT * FROM (SELECT id FROM ${t}`,
          `SELECT id FROM ${t}) AS src; END; SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE; END; DROP TABLE ${t}; SELECT * FROM (SELECT id FROM ${t}`,
        ]) {
          const { jobId, res } = await save(surface, pgSource(query));
          assert.equal(res.status, surface === 'v1' ? 201 : 200, JSON.stringify(res.body));
          const run = await runToEnd(surface, jobId);
          assert.ok(await tableExists(), `the table survived: ${query}`);
          failedWithoutLeak(run, 'SourceQuery', /multiple commands/);
        }
      }
      assert.deepEqual((await db.query(`SELECT id FROM ${t} ORDER BY id`)).rows, [{ id: 1 }, { id: 2 }]);
    });

    it('a multi-statement query is refused; one statement runs read-only (nextval is a write)', async () => {
      const multi = await save('v1', pgSource(`SELECT 1 AS id) AS src; SELECT * FROM (SELECT 2 AS id`));
      failedWithoutLeak(await runToEnd('v1', multi.jobId), 'SourceQuery', /multiple commands/);
      const write = await save('v1', pgSource(`SELECT nextval('${t}_seq') AS id`));
      failedWithoutLeak(await runToEnd('v1', write.jobId), 'SourceQuery', /read-only transaction/);
      assert.equal((await db.query<{ is_called: boolean }>(`SELECT is_called FROM ${t}_seq`)).rows[0]?.is_called, false, 'the sequence never moved');
      const ok = await save('v1', { ...pgSource(`SELECT id, name FROM ${t};`), sink: sink(join(work, `${t}.ndjson`)) });
      assert.equal((await runToEnd('v1', ok.jobId)).status, 'succeeded', 'an ordinary SELECT (with a final ";") still reads');
      assert.equal(await readFile(join(work, `${t}.ndjson`), 'utf8'), '{"id":1,"name":"one"}\n{"id":2,"name":"two"}\n');
    });

    it('a statement that outlasts KAIROS_DATASOURCE_STATEMENT_TIMEOUT is cancelled and fails for good (the driver, in this process)', async () => {
      // The shared stack keeps the 5-minute default; this process reads its own setting on first use.
      process.env.KAIROS_DATASOURCE_STATEMENT_TIMEOUT = '1s';
      const started = Date.now();
      await assert.rejects(
        postgresSource({ kind: 'postgres', connection: PG_URL, query: 'SELECT 1 AS id FROM pg_sleep(5)', keyColumn: 'id', countTotal: true }, { records: 0 }, 10, new AbortController().signal),
        (e: unknown) => e instanceof ApplicationFailure && e.type === 'SourceQuery' && e.nonRetryable === true && /statement timeout \(1000 ms/.test(e.message),
      );
      assert.ok(Date.now() - started < 4000, 'cancelled at the timeout, not after the sleep');
    });
  });
});
