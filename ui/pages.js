// The dashboard's pages. Each returns {node, refresh}: `node` is built once (so filters and pagers
// keep their state), `refresh` fetches and replaces only the data parts; the shell calls it on
// every poll and after every action.
/* global URLSearchParams */
import { ApiError, kairos } from './api.js';
import { badge, button, duration, h, progress, relative, table, temporalLink, time } from './dom.js';
import { bulkSelection, jobFilters, loadServerWords, scheduleWords } from './jobs.js';
import { SKIP_REASONS, notRun, runHref, stopAbortButtons } from './run.js';
import { withHistory } from './versions.js';
import { chartsPanel } from './charts.js';

const STATUSES = ['running', 'succeeded', 'failed', 'cancelled', 'terminated', 'timed_out', 'skipped', 'missed'];

const RUNS_PAGE = 20;
const JOBS_PAGE = 25;

/** `fn` over `items` with at most `n` requests in flight, keeping order (a page of jobs reads each). */
async function mapLimited(items, fn, n = 4) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}

/** A job removed since it was listed reads as null instead of failing the page. */
const unlessGone = (p) => p.catch((err) => (err instanceof ApiError && err.status === 404 ? null : Promise.reject(err)));

/** A handler that changes the page's view state, then refreshes it. */
const then = (ctx, change) => () => {
  change();
  void ctx.refresh();
};

const jobLink = (id, name) => h('a', { href: `#/jobs/${encodeURIComponent(id)}` }, name ?? id);

// ---------------------------------------------------------------- runs (a table shared by pages)

function runActions(ctx, run) {
  if (notRun(run)) return null; // no workflow to link to
  if (run.status !== 'running') return temporalLink(ctx.cfg, 'workflows', run.runId);
  return h(
    'span',
    { class: 'actions' },
    stopAbortButtons(ctx, run.runId),
    temporalLink(ctx.cfg, 'workflows', run.runId),
  );
}

function runsTable(ctx, items, { showJob = true, empty = 'No runs.' } = {}) {
  const headers = ['Run', ...(showJob ? ['Job'] : []), 'Status', 'Progress', 'Trigger', 'Started', 'Ended', 'Duration', ''];
  const rows = items.map((r) => [
    h('a', { href: runHref(r.runId), class: 'run-link' }, h('code', { class: 'id' }, r.runId)),
    ...(showJob ? [jobLink(r.jobId, r.jobName ?? r.jobId)] : []),
    badge(r.status),
    r.skip ? h('span', { class: 'skip-reason', title: r.skip.detail ?? '' }, `${SKIP_REASONS[r.skip.reason] ?? r.skip.reason} · due ${new Date(r.skip.scheduledAt).toLocaleString()}`) : progress(r),
    r.trigger,
    notRun(r) ? '—' : time(r.startedAt),
    time(r.endedAt),
    duration(r.durationMs ?? (r.status === 'running' ? Date.now() - new Date(r.startedAt).getTime() : null)),
    runActions(ctx, r),
  ]);
  return table(headers, rows, empty, (i) => ({ dataset: { runId: items[i].runId, status: items[i].status } }));
}

/** Runs across jobs (or of one job) with a status filter and offset paging. */
function runsPanel(ctx, { jobId, status = '' } = {}) {
  let offset = 0;
  const filter = h('select', { 'aria-label': 'status filter', onchange: then(ctx, () => (offset = 0)) }, [
    h('option', { value: '' }, 'all statuses'),
    ...STATUSES.map((s) => h('option', { value: s, selected: s === status }, s.replace('_', ' '))),
  ]);
  const body = h('div');
  const pager = h('div', { class: 'pager' });
  const node = h('div', { class: 'runs' }, h('div', { class: 'toolbar' }, h('label', {}, 'Show ', filter)), body, pager);
  const refresh = async () => {
    const page = await kairos.runs({ status: filter.value, jobId, offset, limit: RUNS_PAGE });
    body.replaceChildren(runsTable(ctx, page.items, { showJob: !jobId, empty: filter.value ? `No ${filter.value.replace('_', ' ')} runs.` : 'No runs yet.' }));
    const last = Math.min(offset + page.items.length, page.total);
    pager.replaceChildren(
      button('‹ Newer', then(ctx, () => (offset = Math.max(0, offset - RUNS_PAGE))), { disabled: offset === 0 }),
      h('span', { class: 'muted' }, page.total ? `${offset + 1}–${last} of ${page.total}` : ''),
      button('Older ›', then(ctx, () => (offset += RUNS_PAGE)), { disabled: last >= page.total }),
    );
  };
  return { node, refresh };
}

// ---------------------------------------------------------------- job actions (Jobs page and detail)

function jobActions(ctx, job, { afterDelete, detail = false } = {}) {
  const id = job.id;
  const enabled = job.state?.enabled ?? job.enabled;
  const hasCron = (job.triggers ?? []).some((t) => t.type === 'cron');
  // Only a recurring schedule has past fire times to run again.
  const recurring = (job.triggers ?? []).some((t) => t.type === 'cron' || t.type === 'interval');
  return h(
    'span',
    { class: 'actions' },
    button('Run now', () => ctx.act(() => kairos.runNow(id)), { class: 'primary' }),
    enabled ? button('Pause', () => ctx.act(() => kairos.pause(id))) : button('Resume', () => ctx.act(() => kairos.resume(id))),
    hasCron ? button('Change cron', () => ctx.editCron(job)) : null,
    detail && recurring ? button('Backfill', () => ctx.backfill(job)) : null,
    button(
      'Delete',
      () =>
        ctx.act(
          async () => {
            await kairos.deleteJob(id);
            afterDelete?.();
          },
          { confirm: `Delete job ${job.name} (${id})? Its schedule is removed; past runs stay in history.` },
        ),
      { class: 'danger' },
    ),
    temporalLink(ctx.cfg, 'schedules', id),
  );
}

const successLine = (st) =>
  `Success rate ${st.successRate === null ? '—' : `${Math.round(st.successRate * 1000) / 10} %`} · mean duration ${duration(st.meanDurationMs)}`;

const lastRun = (run) => (run ? h('span', {}, badge(run.status), ' ', time(run.endedAt ?? run.startedAt)) : h('span', { class: 'muted' }, 'never'));

// ---------------------------------------------------------------- pages

function card(label, value, href, status) {
  return h('a', { class: `card ${status ?? ''}`, href, dataset: { card: label.toLowerCase() } }, h('span', { class: 'value' }, String(value)), h('span', { class: 'label' }, label));
}

export function overview(ctx) {
  const body = h('div');
  const charts = chartsPanel(ctx);
  const node = h('section', {}, h('h1', {}, 'Overview'), body, charts.node);
  const refresh = async () => {
    const [, stats, running, failures] = await Promise.all([
      charts.refresh(),
      kairos.stats(),
      kairos.runs({ status: 'running', limit: 10 }),
      kairos.runs({ status: 'failed,timed_out,terminated', limit: 10 }),
    ]);
    const by = stats.byStatus;
    body.replaceChildren(
      h(
        'div',
        { class: 'cards' },
        card('Jobs', stats.jobs, '#/jobs'),
        card('Runs', stats.total, '#/runs'),
        // Terminated (aborted) and timed out runs are rare: their cards show only when there are some.
        ...STATUSES.filter((st) => !['terminated', 'timed_out', 'skipped', 'missed'].includes(st) || by[st] > 0).map((st) => card(st.replace('_', ' '), by[st], `#/runs?status=${st}`, st)),
      ),
      h(
        'p',
        { class: 'muted' },
        `${successLine(stats)} · next run `,
        stats.nextRunAt ? relative(new Date(stats.nextRunAt)) : 'none scheduled',
      ),
      h(
        'div',
        { class: 'cards wide' },
        h('a', { class: 'card action', href: '#/runs' }, h('strong', {}, 'Runs →'), h('span', {}, 'Every run, past and current: status, progress, times. Start a run of a job, or stop a running one.')),
        h('a', { class: 'card action', href: '#/jobs' }, h('strong', {}, 'Jobs →'), h('span', {}, 'Recurring jobs: schedule, last and next run. Run now, pause, change the cron, remove the schedule.')),
      ),
      h('h2', {}, 'Running now'),
      runsTable(ctx, running.items, { empty: 'Nothing is running.' }),
      h('h2', {}, 'Recent failures'),
      runsTable(ctx, failures.items, { empty: 'No failed runs.' }),
    );
  };
  return { node, refresh };
}

export function runs(ctx, params) {
  const panel = runsPanel(ctx, { status: params.get('status') ?? '' });
  const jobSelect = h('select', { 'aria-label': 'job to run' }, h('option', { value: '' }, 'loading jobs…'));
  const loadJobs = async () => {
    const page = await kairos.jobs({ limit: 1000, sort: 'name' });
    const chosen = jobSelect.value;
    jobSelect.replaceChildren(h('option', { value: '' }, 'choose a job…'), ...page.items.map((j) => h('option', { value: j.id, selected: j.id === chosen }, `${j.name} (${j.type})`)));
  };
  const start = button('Start run', () => jobSelect.value && ctx.act(() => kairos.runNow(jobSelect.value)), { class: 'primary' });
  const node = h('section', {}, h('h1', {}, 'Runs'), h('div', { class: 'toolbar' }, h('label', {}, 'Start a run of ', jobSelect), start), panel.node);
  let loaded = false;
  const refresh = async () => {
    // The job list for "start a run" is read once per visit (a list sorted by name reads every job).
    if (!loaded) {
      await loadJobs();
      loaded = true;
    }
    await panel.refresh();
  };
  return { node, refresh };
}

/** How long a job's row may be reused while its list entry is unchanged (edits by other clients show within this). */
const JOB_ROW_MAX_AGE_MS = 20_000;

/** What a list entry says that changes when the job runs or is paused, renamed or retyped. */
const fingerprint = (s) => [s.name, s.type, s.enabled, s.lastRunAt, s.nextRunAt].join('|');

export function jobs(ctx, params = new URLSearchParams()) {
  // Each row needs the job's own read and its newest run (2 requests): polling every job of the page
  // every few seconds costs the server 50 requests per page. A row is read again when its list entry
  // changed, when its latest run is still running, after a write from this page, or when it is old.
  const rowCache = new Map();
  let seenChanges = ctx.changes;
  let cursors = [undefined];
  let pageNo = 0;
  const bulk = bulkSelection(ctx);
  // A new search or filter starts again at the first page, with nothing selected.
  const filters = jobFilters(params, () => {
    cursors = [undefined];
    pageNo = 0;
    bulk.clear();
    void ctx.refresh();
  });
  const body = h('div');
  const pager = h('div', { class: 'pager' });
  const node = h(
    'section',
    {},
    h('h1', {}, 'Jobs'),
    h('p', { class: 'muted' }, 'Every job of every API dialect, with its schedule and its latest run.'),
    filters.node,
    bulk.bar,
    body,
    pager,
  );
  const refresh = async () => {
    const page = await kairos.jobs({ ...filters.values(), limit: JOBS_PAGE, cursor: cursors[pageNo] });
    if (seenChanges !== ctx.changes) {
      rowCache.clear();
      seenChanges = ctx.changes;
    }
    // A list item lacks the triggers and version; each job's own read has them, and its newest run.
    const rows = (
      await mapLimited(page.items, async (s) => {
        const cached = rowCache.get(s.id);
        if (cached && cached.fingerprint === fingerprint(s) && cached.last?.status !== 'running' && Date.now() - cached.at < JOB_ROW_MAX_AGE_MS) return cached;
        const [job, last] = await Promise.all([unlessGone(kairos.job(s.id)), unlessGone(kairos.jobRuns(s.id, { limit: 1 }))]);
        if (!job) return null;
        const row = { job, last: last?.items[0] ?? null, dialect: s.dialect, fingerprint: fingerprint(s), at: Date.now() };
        rowCache.set(s.id, row);
        return row;
      })
    ).filter(Boolean);
    await loadServerWords(rows.map((r) => r.job));
    bulk.showing(rows.map((r) => r.job.id));
    body.replaceChildren(
      table(
        [bulk.all, 'Job', 'Schedule', 'State', 'Next run', 'Last run', ''],
        rows.map(({ job, last, dialect }) => [
          bulk.box(job.id),
          h('div', {}, jobLink(job.id, job.name), h('div', { class: 'muted small' }, `${job.id} · ${job.type} · ${dialect}`)),
          scheduleWords(job),
          job.state.enabled ? badge('enabled') : badge('paused'),
          time(job.state.nextRunAt),
          lastRun(last),
          jobActions(ctx, job),
        ]),
        filters.filtered() ? 'No job matches the search and filters.' : 'No jobs yet: create one through the API (POST /v1/jobs) or any dialect.',
        (i) => ({ dataset: { jobId: rows[i].job.id } }),
      ),
    );
    cursors[pageNo + 1] = page.nextCursor ?? undefined;
    pager.replaceChildren(
      button('‹ Previous', then(ctx, () => (pageNo -= 1)), { disabled: pageNo === 0 }),
      h('span', { class: 'muted' }, `page ${pageNo + 1}`),
      button('Next ›', then(ctx, () => (pageNo += 1)), { disabled: !page.nextCursor }),
    );
  };
  return { node, refresh };
}

export function jobDetail(ctx, id) {
  const header = h('div');
  const stats = h('div');
  const panel = runsPanel(ctx, { jobId: id });
  const charts = chartsPanel(ctx, { jobId: id });
  const node = h('section', {}, h('p', {}, h('a', { href: '#/jobs' }, '‹ All jobs')), header, stats, charts.node, h('h2', {}, 'Runs'), panel.node);
  const refresh = async () => {
    const [job, st] = await Promise.all([kairos.job(id), kairos.jobStats(id), charts.refresh()]);
    await loadServerWords([job]);
    const field = (label, value) => [h('dt', {}, label), h('dd', {}, value)];
    header.replaceChildren(
      h('h1', {}, job.name),
      jobActions(ctx, job, { afterDelete: () => ctx.navigate('#/jobs'), detail: true }),
      h(
        'dl',
        { class: 'fields', dataset: { jobId: job.id } },
        field('Id', h('code', {}, job.id)),
        field('Type', job.type),
        field('Owner', job.ownerId),
        field('Schedule', scheduleWords(job)),
        field('State', job.state.enabled ? badge('enabled') : badge('paused')),
        field('Next run', time(job.state.nextRunAt)),
        field('Last run', lastRun(st.lastRun)),
        job.description ? field('Description', job.description) : [],
      ),
    );
    const by = st.byStatus;
    stats.replaceChildren(
      h('div', { class: 'cards' }, card('Runs', st.total, null), ...STATUSES.filter((s) => by[s] > 0).map((s) => card(s.replace('_', ' '), by[s], null, s))),
      h('p', { class: 'muted' }, successLine(st)),
    );
    await panel.refresh();
  };
  return withHistory(ctx, id, { node, refresh });
}
