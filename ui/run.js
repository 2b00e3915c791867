// The run page (#/runs/<runId>): everything GET /v1/runs/{runId} tells about one run — status,
// attempts, the error, the output as the job's history strategy kept it, datasource counters, live
// progress, the timeline with lateness, cause and dependents — and what can be done with it: stop,
// abort, run again, open it in Temporal Web UI. It reads the run again on every poll while the run is
// running (or after an action from this tab); a finished run does not change, so it is not re-read.
import { ApiError, kairos } from './api.js';
import { badge, button, duration, h, progress, relative, table, temporalLink, time } from './dom.js';

/** Why a skipped or missed fire time did not run, in words (the API's skip reasons). */
export const SKIP_REASONS = {
  overlap: 'the previous run was still running (overlap policy)',
  paused: 'the job was paused',
  dst: 'a repeated wall time of a DST change (DST policy)',
  maxRuns: 'the run limit was used up',
  endOn: "the job's end date had passed",
  catchupWindow: 'nothing ran it: Temporal or the worker was down past the catch-up window',
};

/** A fire time that did not run at all (a history row, no workflow): its id ends in -skipped or -missed. */
export const notRun = (run) => run.skip !== undefined && /-(skipped|missed)$/.test(run.runId);

/** The address of a run's page. */
export const runHref = (runId) => `#/runs/${encodeURIComponent(runId)}`;

/** Stop and Abort of a running run, each after a confirm (shared by the run tables and the run page). */
export function stopAbortButtons(ctx, runId) {
  return [
    button('Stop', () => ctx.act(() => kairos.stopRun(runId), { confirm: `Stop run ${runId}? Its driver is asked to finish and the run ends cancelled.` })),
    button('Abort', () => ctx.act(() => kairos.abortRun(runId), { confirm: `Abort run ${runId}? It is terminated at once.` }), { class: 'danger' }),
  ];
}

const ATTEMPT_STATES = {
  queued: 'waiting for a worker to pick it up',
  executing: 'executing',
  retrying: 'waiting to retry',
  stopping: 'stopping (the driver has been asked to stop)',
};

const field = (label, value) => [h('dt', {}, label), h('dd', {}, value)];

/** A scrollable, keyboard-reachable block of text (axe: a scrolling region must be focusable). */
const block = (label, text, attrs = {}) => h('pre', { class: 'block', tabindex: '0', 'aria-label': label, ...attrs }, text);

/** A text pretty-printed when it is JSON, else as it is. */
function pretty(text) {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

const json = (v) => (typeof v === 'string' ? v : JSON.stringify(v, null, 2));

/** The http driver's output (activities/http.ts HttpOutput): status, headers, body. */
const isHttpOutput = (o) => o !== null && typeof o === 'object' && typeof o.status === 'number' && typeof o.body === 'string';

function outputSection(run, job) {
  const o = run.output;
  if ((o === null || o === undefined) && run.status === 'running') return h('p', { class: 'muted', dataset: { output: 'pending' } }, 'The output is recorded when the run ends.');
  if (o === null || o === undefined) {
    const strategy = job?.history?.strategy;
    return h('p', { class: 'muted', dataset: { output: 'none' } }, `No output was kept${strategy ? ` (the job's history strategy is ${strategy})` : ''}.`);
  }
  if (!isHttpOutput(o)) return block('output', json(o), { dataset: { output: 'other' } });
  const headers = Object.entries(o.headers ?? {});
  return h(
    'div',
    { class: 'output', dataset: { output: 'http' } },
    h(
      'dl',
      { class: 'fields' },
      field('HTTP status', h('strong', { class: o.status >= 400 ? 'error' : '', dataset: { httpStatus: String(o.status) } }, String(o.status))),
      typeof o.durationMs === 'number' ? field('Response time', duration(o.durationMs)) : [],
      o.request ? field('Request', h('code', {}, `${o.request.method} ${typeof o.request.url === 'string' ? o.request.url : JSON.stringify(o.request.url)}`)) : [],
    ),
    headers.length
      ? h('details', {}, h('summary', {}, `Response headers (${headers.length})`), table(['Header', 'Value'], headers.map(([k, v]) => [h('code', {}, k), h('code', {}, String(v))])))
      : null,
    h('h3', {}, 'Body'),
    o.truncated ? h('p', { class: 'warn', dataset: { truncated: 'true' } }, 'The body was longer than the driver keeps: it is cut.') : null,
    o.body === '' ? h('p', { class: 'muted' }, 'empty') : block('response body', pretty(o.body), { dataset: { body: '' } }),
  );
}

/** Datasource counters, bad-record samples and the checkpoint (record-oriented drivers report them). */
function recordsSection(p) {
  if (!p) return null;
  const counters = ['read', 'written', 'failed'].filter((k) => typeof p[k] === 'number');
  if (counters.length === 0 && !p.badRecords?.length && !p.checkpoint) return null;
  return [
    h('h2', {}, 'Records'),
    counters.length ? h('dl', { class: 'fields counters' }, counters.flatMap((k) => field(k[0].toUpperCase() + k.slice(1), h('span', { dataset: { counter: k } }, String(p[k]))))) : null,
    p.badRecords?.length
      ? [
          h('h3', {}, `Bad records (${p.badRecords.length} shown)`),
          table(
            ['Record', 'Line', 'Error', 'Raw'],
            p.badRecords.map((b) => [String(b.record), b.line === undefined ? '—' : String(b.line), b.error, b.raw === undefined ? '—' : h('code', {}, b.raw)]),
          ),
        ]
      : null,
    p.checkpoint ? [h('h3', {}, 'Checkpoint'), block('checkpoint', json(p.checkpoint))] : null,
  ];
}

/** Scheduled → started → ended, with how late it started and how long it took. */
function timeline(run) {
  if (notRun(run)) {
    return h('ol', { class: 'timeline' }, h('li', {}, h('span', { class: 'step' }, 'Due'), time(run.scheduledAt), h('span', { class: 'muted' }, ' · did not run')));
  }
  const late = run.startDelayMs;
  const running = run.status === 'running';
  return h(
    'ol',
    { class: 'timeline' },
    h('li', {}, h('span', { class: 'step' }, 'Scheduled'), time(run.scheduledAt)),
    h('li', { dataset: { step: 'started' } }, h('span', { class: 'step' }, 'Started'), time(run.startedAt), h('span', { class: 'muted' }, ` · ${late > 0 ? `${duration(late)} late` : 'on time'}`)),
    h(
      'li',
      { dataset: { step: 'ended' } },
      h('span', { class: 'step' }, running ? 'Running' : 'Ended'),
      running ? h('span', {}, `for ${duration(Date.now() - new Date(run.startedAt).getTime())}`) : time(run.endedAt),
      running ? null : h('span', { class: 'muted' }, ` · took ${duration(run.durationMs)}`),
    ),
  );
}

/** The driver's current attempt of a running run: what a user asks when a run is slow. */
function attemptSection(run) {
  const a = run.currentAttempt;
  if (!a) return null;
  const of = a.maximumAttempts ? ` of ${a.maximumAttempts}` : '';
  return h(
    'section',
    { class: 'attempt', 'aria-labelledby': 'attempt-title', dataset: { state: a.state } },
    h('h2', { id: 'attempt-title' }, `Attempt ${a.attempt}${of}`),
    h(
      'dl',
      { class: 'fields' },
      field('State', ATTEMPT_STATES[a.state] ?? a.state),
      a.startedAt ? field('Attempt started', time(a.startedAt)) : [],
      a.lastHeartbeatAt ? field('Last heartbeat', time(a.lastHeartbeatAt)) : [],
      a.lastFailure ? field('Last attempt failed', h('span', { class: 'last-failure' }, h('strong', {}, a.lastFailure.type), ': ', a.lastFailure.message, a.lastFailedAt ? [' (', time(a.lastFailedAt), ')'] : null)) : [],
      a.nextAttemptAt ? field('Next attempt', h('span', { class: 'next-attempt' }, time(a.nextAttemptAt), ` (${relative(new Date(a.nextAttemptAt))})`)) : [],
    ),
  );
}

function triggerText(run) {
  if (run.trigger === 'manual') return run.requestedBy ? `run now by ${run.requestedBy}` : 'run now';
  if (run.trigger === 'dependency' && run.cause) return `after ${run.cause.jobId} ${run.cause.outcome}`;
  return run.trigger;
}

/** The page of one run. */
export function runPage(ctx, runId) {
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const node = h('section', { class: 'run-page' }, h('p', {}, h('a', { href: '#/runs' }, '‹ All runs')), body);
  /** The job is read once (its name and history strategy); null when it is gone or unreadable. */
  let job;
  let last = null;
  let seenChanges = ctx.changes;

  const actions = (run) => {
    const again =
      notRun(run) || !job
        ? null
        : button(
            'Run again',
            async () => {
              const out = await ctx.act(() => kairos.runNow(run.jobId, run.input ?? undefined));
              if (out?.runId) ctx.navigate(runHref(out.runId));
            },
            { class: 'primary', title: run.input === null || run.input === undefined ? `Start ${job.name} again (this run had no input)` : `Start ${job.name} again with this run's input` },
          );
    return h('div', { class: 'actions' }, run.status === 'running' ? stopAbortButtons(ctx, run.runId) : null, again, notRun(run) ? null : temporalLink(ctx.cfg, 'workflows', run.runId, 'Open in Temporal Web UI'));
  };

  const render = (run) => {
    const failed = run.status !== 'running' && run.status !== 'succeeded' && run.error;
    const live = run.status === 'running' ? { ...run, phase: run.currentAttempt?.state === 'queued' ? 'queued' : 'executing' } : run;
    const parts = [
      h('h1', {}, 'Run ', h('code', { class: 'id' }, run.runId), ' ', badge(run.status)),
      actions(run),
      failed
        ? h(
            'div',
            { class: 'run-error', role: 'group', 'aria-labelledby': 'run-error-title' },
            h('h2', { id: 'run-error-title' }, 'Error'),
            h('p', {}, h('strong', { class: 'error-type' }, run.error.type)),
            h('p', { class: 'error-message' }, run.error.message),
          )
        : null,
      run.skip
        ? h('p', { class: 'skip-reason', dataset: { skip: run.skip.reason } }, `Did not run: ${SKIP_REASONS[run.skip.reason] ?? run.skip.reason}.`, run.skip.detail ? ` ${run.skip.detail}` : '')
        : null,
      h(
        'dl',
        { class: 'fields', dataset: { runId: run.runId, status: run.status } },
        field('Job', h('a', { href: `#/jobs/${encodeURIComponent(run.jobId)}` }, job?.name ?? run.jobId)),
        field('Status', badge(run.status)),
        field('Trigger', triggerText(run)),
        notRun(run) ? [] : field('Attempts', h('span', { dataset: { attempts: String(run.attempts) } }, String(run.attempts))),
        run.status === 'running' || run.progress ? field('Progress', progress(live)) : [],
        run.input !== null && run.input !== undefined ? field('Input', block('run input', json(run.input))) : [],
        run.cause
          ? field('Caused by', h('span', {}, h('a', { href: runHref(run.cause.workflowId), dataset: { cause: run.cause.workflowId } }, run.cause.workflowId), ` (${run.cause.jobId} ${run.cause.outcome})`))
          : [],
        run.dependents.length ? field('Runs it started', h('ul', { class: 'plain' }, run.dependents.map((d) => h('li', {}, h('a', { href: runHref(d) }, d))))) : [],
      ),
      attemptSection(run),
      h('h2', {}, 'Timeline'),
      timeline(run),
      recordsSection(run.progress),
      notRun(run) ? null : [h('h2', {}, 'Output'), outputSection(run, job)],
    ];
    // Sections are lists of nodes (or nothing); the DOM's replaceChildren takes nodes only.
    body.replaceChildren(...parts.flat(3).filter((n) => n !== null && n !== undefined && n !== false));
  };

  const refresh = async () => {
    // A finished run does not change: read it again only after an action from this tab.
    if (last && last.status !== 'running' && seenChanges === ctx.changes) return;
    seenChanges = ctx.changes;
    let run;
    try {
      run = await kairos.run(runId);
    } catch (err) {
      // Another user's run answers 404 exactly like a missing one: the page says the same for both.
      if (!(err instanceof ApiError && err.status === 404)) throw err;
      last = null;
      body.replaceChildren(h('h1', {}, 'Run not found'), h('p', { class: 'empty' }, `There is no run ${runId} that you may see.`));
      return;
    }
    if (job === undefined) job = await kairos.job(run.jobId).catch((err) => (err instanceof ApiError && (err.status === 404 || err.status === 403) ? null : Promise.reject(err)));
    last = run;
    render(run);
  };
  return { node, refresh };
}
