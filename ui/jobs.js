// The Jobs page's own parts: the search and filter toolbar (all answered by the server: GET /v1/jobs
// q, dialect, type, tag, owner, enabled, lastOutcome, sort), bulk selection (POST /v1/jobs/bulk, with a dry run
// first so the confirm dialog says how many jobs it will change), and schedules in words.
/* global document, history, location, setTimeout, clearTimeout, URLSearchParams */
import { api, kairos } from './api.js';
import { describeTrigger, h } from './dom.js';
import { cronInWords, triggerInWords } from './schedule-words.js';

/**
 * cronstrue's UMD build sets globalThis.cronstrue (served by the API from the installed package).
 * Loaded dynamically: should it be missing, the page still works and shows the server's words.
 */
const cronstrueLoaded = import('/ui/vendor/cronstrue.js').catch(() => undefined);

/** The dialects a job can come from (GET /v1/jobs dialect). */
const DIALECTS = ['native', 'fusion', 'voltmx', 'dapr', 'informer', 'cluedin'];
/** GET /v1/jobs sort values with their labels. */
const SORTS = [
  ['', 'unsorted'],
  ['name', 'name'],
  ['nextRunAt', 'next run, soonest first'],
  ['-nextRunAt', 'next run, latest first'],
  ['-lastRunAt', 'last run, newest first'],
  ['lastRunAt', 'last run, oldest first'],
];
/** GET /v1/jobs lastOutcome values: how the schedule's newest run ended. */
const OUTCOMES = ['succeeded', 'failed', 'cancelled', 'terminated', 'timed_out', 'running', 'none'];

/**
 * The toolbar: each control starts from the page's hash parameters (#/jobs?q=nightly links to a
 * search) and, when changed, calls `changed()` and writes the hash back without a navigation.
 */
export function jobFilters(params, changed) {
  const text = (name, label, placeholder) =>
    h('input', { type: name === 'q' ? 'search' : 'text', name, 'aria-label': label, placeholder, value: params.get(name) ?? '', autocomplete: 'off', spellcheck: 'false' });
  const select = (name, label, options) =>
    h('select', { name, 'aria-label': label }, options.map(([value, text]) => h('option', { value, selected: value === (params.get(name) ?? '') }, text)));
  const controls = {
    q: text('q', 'search jobs', 'search name or id…'),
    dialect: select('dialect', 'dialect filter', [['', 'all dialects'], ...DIALECTS.map((d) => [d, d])]),
    type: text('type', 'type filter', 'type'),
    tag: text('tag', 'tag filter', 'tag'),
    owner: text('owner', 'owner filter', 'owner id'),
    enabled: select('enabled', 'state filter', [['', 'enabled and paused'], ['true', 'enabled'], ['false', 'paused']]),
    lastOutcome: select('lastOutcome', 'last outcome filter', [['', 'any last outcome'], ...OUTCOMES.map((o) => [o, o === 'none' ? 'not run by its schedule yet' : `last scheduled run ${o.replace('_', ' ')}`])]),
    sort: select('sort', 'sort order', SORTS),
  };
  const values = () => Object.fromEntries(Object.entries(controls).map(([k, c]) => [k, c.value.trim()]).filter(([, v]) => v !== ''));
  const fire = () => {
    const qs = new URLSearchParams(values()).toString();
    // replaceState fires no hashchange: the page keeps its state and only the address follows.
    history.replaceState(null, '', `${location.pathname}#/jobs${qs ? `?${qs}` : ''}`);
    changed();
  };
  let timer;
  for (const control of Object.values(controls)) {
    if (control.tagName === 'SELECT') control.addEventListener('change', fire);
    // Typed filters wait for a pause in typing: one request per word, not per key.
    else {
      control.addEventListener('input', () => {
        clearTimeout(timer);
        timer = setTimeout(fire, 300);
      });
    }
  }
  const node = h('div', { class: 'toolbar filters' }, Object.values(controls));
  return { node, values, filtered: () => Object.keys(values()).some((k) => k !== 'sort') };
}

/**
 * Bulk selection: the ids checked on the page, a bar with pause / resume / delete, each asked as a
 * dry run first so that the confirm dialog says how many jobs the action would change.
 */
export function bulkSelection(ctx) {
  const selected = new Set();
  const count = h('span', { class: 'muted', dataset: { selectedCount: '' } }, '');
  const run = (action) => async () => {
    const ids = [...selected];
    if (ids.length === 0) return;
    let dry;
    try {
      dry = await api('POST', '/v1/jobs/bulk', { body: { action, filter: { ids }, dryRun: true } });
    } catch (err) {
      await ctx.act(() => Promise.reject(err));
      return;
    }
    const already = dry.unchanged.length ? ` (${dry.unchanged.length} already ${action === 'pause' ? 'paused' : action === 'resume' ? 'enabled' : 'done'})` : '';
    const what = action === 'delete' ? 'Their schedules are removed; past runs stay in history.' : '';
    await ctx.act(
      async () => {
        const out = await api('POST', '/v1/jobs/bulk', { body: { action, filter: { ids }, dryRun: false } });
        selected.clear();
        if (out.failed.length) throw new Error(`${action} failed for ${out.failed.map((f) => `${f.id}: ${f.message}`).join('; ')}`);
      },
      { confirm: `${action[0].toUpperCase()}${action.slice(1)} ${dry.changed.length} of ${ids.length} selected job(s)?${already} ${what}`.trim() },
    );
  };
  const buttons = ['pause', 'resume', 'delete'].map((a) =>
    h('button', { type: 'button', class: a === 'delete' ? 'danger' : '', dataset: { bulk: a }, onclick: run(a) }, `${a[0].toUpperCase()}${a.slice(1)} selected`),
  );
  const bar = h('div', { class: 'toolbar bulk' }, count, buttons);
  const update = () => {
    count.textContent = selected.size ? `${selected.size} selected` : 'none selected';
    for (const b of buttons) b.disabled = selected.size === 0;
  };
  update();
  /** A row's checkbox. */
  const box = (id) =>
    h('input', {
      type: 'checkbox',
      'aria-label': `select ${id}`,
      checked: selected.has(id),
      dataset: { select: id },
      onchange: (e) => {
        if (e.target.checked) selected.add(id);
        else selected.delete(id);
        update();
        syncAll();
      },
    });
  let pageIds = [];
  const all = h('input', {
    type: 'checkbox',
    'aria-label': 'select all on this page',
    dataset: { selectAll: '' },
    onchange: (e) => {
      for (const id of pageIds) {
        if (e.target.checked) selected.add(id);
        else selected.delete(id);
      }
      for (const b of document.querySelectorAll('input[data-select]')) b.checked = selected.has(b.dataset.select);
      update();
    },
  });
  const syncAll = () => {
    all.checked = pageIds.length > 0 && pageIds.every((id) => selected.has(id));
  };
  return {
    bar,
    box,
    all,
    /** The ids on the page now: a selection never holds a job the page no longer shows. */
    showing(ids) {
      pageIds = ids;
      for (const id of [...selected]) if (!ids.includes(id)) selected.delete(id);
      syncAll();
      update();
    },
    clear() {
      selected.clear();
      update();
    },
  };
}

/** Server descriptions of triggers cronstrue cannot read, by trigger and zone (they do not change). */
const serverWords = new Map();
const wordsKey = (t, tz) => JSON.stringify([t, tz]);

/**
 * Fetches the server's description (POST /v1/triggers/preview) of every trigger of these jobs that
 * cronstrue cannot read and that is not known yet, so that rendering is synchronous.
 */
export async function loadServerWords(jobs) {
  await cronstrueLoaded;
  const wanted = [];
  for (const job of jobs) {
    for (const t of job.triggers ?? []) {
      if (t.type === 'job') continue;
      const key = wordsKey(t, job.timezone);
      if (serverWords.has(key)) continue;
      if (t.type === 'cron' && cronInWords(globalThis.cronstrue, t.dialect, t.expression) !== undefined) continue; // cronstrue reads it
      wanted.push([key, t, job.timezone]);
    }
  }
  await Promise.all(
    wanted.map(async ([key, t, tz]) => {
      // A trigger that no longer compiles keeps its text; its description is not worth a banner.
      const p = await kairos.preview(t, tz).catch(() => null);
      serverWords.set(key, p?.description ?? null);
    }),
  );
}

/** A job's schedule: each trigger in words with its time zone, and as written (muted) below. */
export function scheduleWords(job) {
  const triggers = job.triggers ?? [];
  if (triggers.length === 0) return h('span', { class: 'muted' }, 'manual only');
  return h(
    'div',
    { class: 'schedule' },
    triggers.map((t) =>
      h(
        'div',
        {},
        h('div', { class: 'words' }, triggerInWords(globalThis.cronstrue, t, job.timezone, (x) => serverWords.get(wordsKey(x, job.timezone)) ?? undefined)),
        t.type === 'job' ? null : h('div', { class: 'muted small' }, describeTrigger(t, job.timezone)),
      ),
    ),
  );
}
