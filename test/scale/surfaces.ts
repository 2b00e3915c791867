// How each API surface creates, updates, runs, reads and deletes one job, in its own wire format,
// with the content written carrying a marker `mk-<key>-<n>` (n: the write's number) so that what a
// job holds at the end can be matched with the writes that were acknowledged. Jobs call the test's
// loopback target; every surface's jobs are also readable as canonical jobs through /v1.
import { randomUUID } from 'node:crypto';
import type { Answer, Request, RoundRobin } from './client.ts';

/** What a surface driver needs to know about the test's environment. */
export interface SurfaceEnv {
  /** The loopback target's URL (native, Fusion, Informer and CluedIn jobs call it). */
  targetUrl: string;
  /** Kairos credentials for the main port (an API key header). */
  apiKey: string;
  /** daprd's token on the dedicated Dapr port. */
  daprToken: string;
  /** A Volt MX claims token (issued by one instance, accepted by both). */
  voltmxToken: string;
}

/** A write's result as the job's owner (the client) sees it. */
export type WriteResult = 'acked' | 'refused' | 'unknown';

/** A run-now's result: acked with the run id if the surface tells it, refused (no run), or unknown. */
export type RunResult = { result: 'acked'; runId?: string } | { result: 'refused' | 'unknown' };

/** One job of one surface, as the client that owns it knows it. */
export interface JobHandle {
  surface: string;
  key: string;
  /** The id the surface addresses the job by (set once created). */
  ref?: string;
  /** The canonical job id (/v1), once known. */
  canonicalId?: string;
}

export interface Surface {
  name: string;
  /** Whether the surface can start a run now. */
  canRun: boolean;
  create(c: RoundRobin, job: JobHandle, n: number): Promise<WriteResult>;
  update(c: RoundRobin, job: JobHandle, n: number): Promise<WriteResult>;
  run(c: RoundRobin, job: JobHandle): Promise<RunResult>;
  remove(c: RoundRobin, job: JobHandle): Promise<WriteResult>;
  /** The surface's own read of the job (for comparing the instances): a request, and the job's part of its answer. */
  read(job: JobHandle): Omit<Request, 'idempotent'> & { pick?: (body: unknown) => unknown };
}

export const marker = (key: string, n: number) => `mk-${key}-${n}`;

/** The write numbers of `key`'s markers found anywhere in a job's JSON. */
export function markersIn(key: string, value: unknown): number[] {
  const re = new RegExp(`mk-${key}-(\\d+)`, 'g');
  return [...new Set([...JSON.stringify(value).matchAll(re)].map((m) => Number(m[1])))].sort((a, b) => a - b);
}

const is2xx = (s: number) => s >= 200 && s < 300;
/** 5xx: the request may or may not have been applied (Temporal down mid-write). */
const undecided = (s: number) => s >= 500;

function writeResult(o: Awaited<ReturnType<RoundRobin['send']>>, conflictIsAck = false): WriteResult {
  if (!o.answered) return 'unknown';
  const { status, retriedAfterUnanswered } = o.answer;
  if (is2xx(status)) return 'acked';
  // The retry of an unanswered create found the job: the first attempt created it.
  if (conflictIsAck && retriedAfterUnanswered && status === 409) return 'acked';
  return undecided(status) ? 'unknown' : 'refused';
}

function deleteResult(o: Awaited<ReturnType<RoundRobin['send']>>): WriteResult {
  if (o.answered && o.answer.retriedAfterUnanswered && o.answer.status === 404) return 'acked';
  return writeResult(o);
}

function runResult(o: Awaited<ReturnType<RoundRobin['send']>>, accepted: (a: Answer) => RunResult): RunResult {
  if (!o.answered) return { result: 'unknown' };
  if (is2xx(o.answer.status)) return accepted(o.answer);
  return undecided(o.answer.status) ? { result: 'unknown' } : { result: 'refused' };
}

const hitUrl = (env: SurfaceEnv, canonicalId: string, key: string, n: number) => `${env.targetUrl}/hit/${encodeURIComponent(canonicalId)}?mk=${marker(key, n)}`;

// ---- native /v1 ----------------------------------------------------------------------------

function native(env: SurfaceEnv): Surface {
  const auth = { 'x-api-key': env.apiKey };
  const def = (job: JobHandle, n: number) => ({
    id: job.ref,
    name: `scale ${job.key}`,
    description: marker(job.key, n),
    type: 'http',
    triggers: [],
    retry: { maxAttempts: 10, initialInterval: '500ms' },
    timeout: { startToClose: '20s', heartbeat: '3s' },
    data: { url: hitUrl(env, job.ref ?? '', job.key, n) },
  });
  return {
    name: 'native',
    canRun: true,
    async create(c, job, n) {
      job.ref = job.canonicalId = `scale-${job.key}`;
      return writeResult(await c.send({ tag: job.key, surface: 'native', kind: 'create', method: 'POST', path: '/v1/jobs', headers: auth, body: def(job, n), idempotent: true }), true);
    },
    async update(c, job, n) {
      const { id: _id, ...body } = def(job, n);
      return writeResult(await c.send({ tag: job.key, surface: 'native', kind: 'update', method: 'PUT', path: `/v1/jobs/${job.ref}`, headers: auth, body, idempotent: true }));
    },
    async run(c, job) {
      const o = await c.send({ tag: job.key, surface: 'native', kind: 'run', method: 'POST', path: `/v1/jobs/${job.ref}/run`, headers: auth, idempotent: false });
      return runResult(o, (a) => ({ result: 'acked', runId: (a.body as { runId?: string }).runId }));
    },
    async remove(c, job) {
      return deleteResult(await c.send({ tag: job.key, surface: 'native', kind: 'delete', method: 'DELETE', path: `/v1/jobs/${job.ref}`, headers: auth, idempotent: true }));
    },
    read: (job) => ({ surface: 'native', kind: 'read', method: 'GET', path: `/v1/jobs/${job.ref}`, headers: auth }),
  };
}

// ---- Fusion (its own port and /fusion/api on the main port, alternately) ---------------------

function fusion(env: SurfaceEnv): Surface {
  const auth = { 'x-api-key': env.apiKey };
  let turn = 0;
  const at = (path: string): Pick<Request, 'path' | 'port'> => (turn++ % 2 === 0 ? { port: 'fusion', path: `/api${path}` } : { port: 'main', path: `/fusion/api${path}` });
  const task = (job: JobHandle, n: number) => ({ id: job.ref, type: 'rest-call', callParams: { uri: hitUrl(env, job.canonicalId ?? '', job.key, n), method: 'get' } });
  return {
    name: 'fusion',
    canRun: true,
    async create(c, job, n) {
      job.ref = `scale-${job.key}`;
      job.canonicalId = `fusion.task.${job.ref}`;
      return writeResult(await c.send({ tag: job.key, surface: 'fusion', kind: 'create', method: 'POST', ...at('/tasks'), headers: auth, body: task(job, n), idempotent: true }), true);
    },
    async update(c, job, n) {
      return writeResult(await c.send({ tag: job.key, surface: 'fusion', kind: 'update', method: 'PUT', ...at(`/tasks/${job.ref}`), headers: auth, body: task(job, n), idempotent: true }));
    },
    async run(c, job) {
      const o = await c.send({ tag: job.key, surface: 'fusion', kind: 'run', method: 'POST', ...at(`/jobs/task:${job.ref}/actions`), headers: auth, body: { action: 'start' }, idempotent: false });
      // accepted: false is Fusion's "already running": no run was started.
      return runResult(o, (a) => ((a.body as { accepted?: boolean }).accepted === true ? { result: 'acked' } : { result: 'refused' }));
    },
    async remove(c, job) {
      return deleteResult(await c.send({ tag: job.key, surface: 'fusion', kind: 'delete', method: 'DELETE', ...at(`/tasks/${job.ref}`), headers: auth, idempotent: true }));
    },
    read: (job) => ({ surface: 'fusion', kind: 'read', method: 'GET', port: 'main', path: `/fusion/api/tasks/${job.ref}`, headers: auth }),
  };
}

// ---- Volt MX (claims token; the server numbers the jobs) -------------------------------------

function voltmx(env: SurfaceEnv): Surface {
  const auth = () => ({ 'X-VoltMX-Authorization': env.voltmxToken });
  const body = (job: JobHandle, n: number) => ({
    jobName: `scale ${job.key}`,
    // Far from any test's time; the job runs when asked to (Inactive: its schedule is paused).
    jobFrequency: '0 0 3 1 1 ? *',
    description: marker(job.key, n),
    jobServiceInfo: {
      version: '1.0',
      serviceType: 'intSer',
      serviceName: `scale-${job.key}`,
      objectName: '',
      operationName: 'op',
      requestheaderMap: {},
      serviceExecutionType: 'SERVER_URL',
      postData: JSON.stringify({ mk: marker(job.key, n) }),
      operationSecurityLevel: 'public',
    },
    jobStatus: 'Inactive',
    historyStrategy: 'FULL',
    retentionPeriod: '30',
    jobFrequencyInfo: { frequencyType: 1, minuteValues: [5] },
  });
  return {
    name: 'voltmx',
    canRun: true,
    async create(c, job, n) {
      // Not idempotent (the server allocates the number): an unanswered create is not sent again.
      const o = await c.send({ tag: job.key, surface: 'voltmx', kind: 'create', method: 'POST', path: '/voltmx/admin/api/jobs/job', headers: auth(), body: body(job, n), idempotent: false });
      const r = writeResult(o);
      if (r === 'acked' && o.answered) {
        const m = /\/admin\/api\/jobs\/job\/(\d+)$/.exec(o.answer.headers.get('location') ?? '');
        if (!m) throw new Error(`Volt MX create answered without a job Location: ${JSON.stringify(o.answer.body)}`);
        job.ref = m[1];
        job.canonicalId = `voltmx.job.${m[1]}`;
      }
      return r;
    },
    async update(c, job, n) {
      return writeResult(await c.send({ tag: job.key, surface: 'voltmx', kind: 'update', method: 'PUT', path: '/voltmx/admin/api/jobs/job', headers: auth(), body: { jobId: Number(job.ref), ...body(job, n) }, idempotent: true }));
    },
    async run(c, job) {
      const o = await c.send({ tag: job.key, surface: 'voltmx', kind: 'run', method: 'POST', path: `/voltmx/admin/api/jobs/job/run/${job.ref}`, headers: auth(), idempotent: false });
      return runResult(o, (a) => ({ result: 'acked', runId: a.headers.get('x-kairos-run-id') ?? undefined }));
    },
    async remove(c, job) {
      return deleteResult(await c.send({ tag: job.key, surface: 'voltmx', kind: 'delete', method: 'DELETE', path: `/voltmx/admin/api/jobs/${job.ref}`, headers: auth(), idempotent: true }));
    },
    read: (job) => ({ surface: 'voltmx', kind: 'read', method: 'GET', path: `/voltmx/admin/api/jobs/job/${job.ref}`, headers: auth() }),
  };
}

// ---- Dapr (its own port with daprd's token, and /dapr on the main port, alternately) ----------

function dapr(env: SurfaceEnv): Surface {
  let turn = 0;
  const at = (name: string): Pick<Request, 'path' | 'port' | 'headers'> =>
    turn++ % 2 === 0
      ? { port: 'dapr', path: `/v1.0-alpha1/jobs/${name}`, headers: { 'dapr-api-token': env.daprToken } }
      : { port: 'main', path: `/dapr/v1.0-alpha1/jobs/${name}`, headers: { 'x-api-key': env.apiKey } };
  // Dapr names: no '-', '_', ':' or spaces.
  const nameOf = (job: JobHandle) => `scale${job.key.replace(/[^a-z0-9]/g, '')}`;
  // Due in an hour: the job is written, read and deleted; it does not fire within the test.
  const body = (job: JobHandle, n: number) => ({ dueTime: '1h', data: { mk: marker(job.key, n) }, overwrite: true });
  return {
    name: 'dapr',
    canRun: false,
    async create(c, job, n) {
      job.ref = nameOf(job);
      job.canonicalId = `dapr:${job.ref}`;
      return writeResult(await c.send({ tag: job.key, surface: 'dapr', kind: 'create', method: 'POST', ...at(job.ref), body: body(job, n), idempotent: true }));
    },
    async update(c, job, n) {
      return writeResult(await c.send({ tag: job.key, surface: 'dapr', kind: 'update', method: 'POST', ...at(job.ref ?? ''), body: body(job, n), idempotent: true }));
    },
    run: () => Promise.resolve({ result: 'refused' }),
    async remove(c, job) {
      return writeResult(await c.send({ tag: job.key, surface: 'dapr', kind: 'delete', method: 'DELETE', ...at(job.ref ?? ''), idempotent: true }));
    },
    read: (job) => ({ surface: 'dapr', kind: 'read', method: 'GET', port: 'main', path: `/dapr/v1.0-alpha1/jobs/${job.ref}`, headers: { 'x-api-key': env.apiKey } }),
  };
}

// ---- Informer (server-made UUIDs; the client-chosen slug makes a retried create safe) ----------

function informer(env: SurfaceEnv): Surface {
  const auth = { 'x-api-key': env.apiKey };
  const slugOf = (job: JobHandle) => `scale-${job.key}`;
  const fields = (job: JobHandle, n: number) => ({
    name: `scale ${job.key}`,
    type: 'http',
    description: marker(job.key, n),
    enabled: false,
    data: { url: hitUrl(env, job.canonicalId ?? '', job.key, n), method: 'GET' },
  });
  return {
    name: 'informer',
    canRun: true,
    async create(c, job, n) {
      // The URL names the job by slug until its UUID is known; the first update names it by canonical id.
      job.canonicalId = `informer-slug:${slugOf(job)}`;
      const o = await c.send({ tag: job.key, surface: 'informer', kind: 'create', method: 'POST', path: '/informer/api/jobs', headers: auth, body: { ...fields(job, n), slug: slugOf(job) }, idempotent: true });
      const r = writeResult(o, true);
      if (r !== 'acked' || !o.answered) return r;
      let uuid = (o.answer.body as { id?: string }).id;
      if (o.answer.status === 409) {
        // The retry found the slug taken by the first attempt's job: look its UUID up by the natural id.
        const got = await c.send({ tag: job.key, surface: 'informer', kind: 'read', method: 'GET', path: `/informer/api/jobs/${slugOf(job)}`, headers: auth, idempotent: true });
        uuid = got.answered && got.answer.status === 200 ? (got.answer.body as { id?: string }).id : undefined;
        if (!uuid) return 'unknown';
      }
      job.ref = uuid;
      job.canonicalId = `informer.${String(uuid).toLowerCase()}`;
      return r;
    },
    async update(c, job, n) {
      return writeResult(await c.send({ tag: job.key, surface: 'informer', kind: 'update', method: 'PUT', path: `/informer/api/jobs/${job.ref}`, headers: auth, body: fields(job, n), idempotent: true }));
    },
    async run(c, job) {
      // Informer answers when the run has ended: success true or false, a run either way.
      const o = await c.send({ tag: job.key, surface: 'informer', kind: 'run', method: 'POST', path: `/informer/api/jobs/${job.ref}`, headers: auth, idempotent: false, timeoutMs: 90_000 });
      return runResult(o, () => ({ result: 'acked' }));
    },
    async remove(c, job) {
      return deleteResult(await c.send({ tag: job.key, surface: 'informer', kind: 'delete', method: 'DELETE', path: `/informer/api/jobs/${job.ref}`, headers: auth, idempotent: true }));
    },
    read: (job) => ({ surface: 'informer', kind: 'read', method: 'GET', path: `/informer/api/jobs/${job.ref}`, headers: auth }),
  };
}

// ---- CluedIn (Kairos's upsert by configuration id; Hangfire's trigger and remove) ---------------

function cluedin(env: SurfaceEnv): Surface {
  const auth = { 'x-api-key': env.apiKey };
  const org = randomUUID();
  const user = randomUUID();
  const hangfireId = (job: JobHandle) => `${job.ref}|${org}|${user}`;
  const form = (job: JobHandle) => `jobIds%5B%5D=${encodeURIComponent(hangfireId(job))}`;
  const body = (job: JobHandle, n: number) => ({
    ConfigurationId: job.ref,
    OrganizationId: org,
    UserId: user,
    // Once a year, at a time no test run is near: the job runs when triggered.
    Cron: '0 3 1 1 *',
    Job: `scale ${job.key}`,
    Task: { Type: 'http', Data: { url: hitUrl(env, job.canonicalId ?? '', job.key, n), method: 'GET' } },
  });
  return {
    name: 'cluedin',
    canRun: true,
    async create(c, job, n) {
      job.ref = randomUUID();
      job.canonicalId = `cluedin.crawling.${job.ref}`;
      return writeResult(await c.send({ tag: job.key, surface: 'cluedin', kind: 'create', method: 'POST', path: '/cluedin/api/v1/hangfire/jobs/crawling', headers: auth, body: body(job, n), idempotent: true }));
    },
    async update(c, job, n) {
      return writeResult(await c.send({ tag: job.key, surface: 'cluedin', kind: 'update', method: 'POST', path: '/cluedin/api/v1/hangfire/jobs/crawling', headers: auth, body: body(job, n), idempotent: true }));
    },
    async run(c, job) {
      const o = await c.send({
        tag: job.key,
        surface: 'cluedin',
        kind: 'run',
        method: 'POST',
        path: '/cluedin/hangfire/recurring/trigger',
        headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
        body: form(job),
        idempotent: false,
      });
      return runResult(o, () => ({ result: 'acked' }));
    },
    async remove(c, job) {
      return deleteResult(
        await c.send({
          tag: job.key,
          surface: 'cluedin',
          kind: 'delete',
          method: 'POST',
          path: '/cluedin/hangfire/recurring/remove',
          headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
          body: form(job),
          idempotent: true,
        }),
      );
    },
    read: (job) => ({
      surface: 'cluedin',
      kind: 'read',
      method: 'GET',
      path: `/cluedin/api/v1/hangfire/jobs/crawling?limit=1000`,
      headers: auth,
      pick: (b) => (Array.isArray(b) ? b.find((r: { ConfigurationId?: string }) => r.ConfigurationId === job.ref) : b),
    }),
  };
}

/** Every surface, in the order the clients are dealt to them. */
export function surfaces(env: SurfaceEnv): Surface[] {
  return [native(env), fusion(env), voltmx(env), dapr(env), informer(env), cluedin(env)];
}
