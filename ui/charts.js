// Charts of runs over time (issue #18 item 4), drawn by hand as inline SVG from the series
// endpoints (GET /v1/stats/series, /v1/jobs/{id}/stats/series): success as stacked bars
// (succeeded / failed / aborted, with marks for fire times that did not run), duration p50 / p95
// lines, lateness p95 line; a 24h / 7d / 30d switch. Each chart is an image with a summary for
// screen readers (role="img", aria-label) and the same numbers as a visually hidden table. Colours
// come from classes in style.css (CSS variables), so dark mode and the CSP (no inline styles) hold.
/* global document, Node */
import { kairos } from './api.js';
import { duration, h } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';
const WINDOWS = [
  { value: '24h', label: '24 hours', words: 'the last 24 hours' },
  { value: '7d', label: '7 days', words: 'the last 7 days' },
  { value: '30d', label: '30 days', words: 'the last 30 days' },
];
/** The series changes slowly: the shell polls every few seconds, the charts refetch at most this often. */
const MAX_AGE_MS = 30_000;
/** Drawing area (viewBox units; the SVG scales to its box). */
const W = 420;
const H = 180;
const M = { left: 50, right: 8, top: 10, bottom: 26 };

/** An SVG element; attributes only (no style: the CSP forbids inline styles). */
function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  for (const c of children.flat()) if (c !== undefined && c !== null) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

const pad = (n) => String(n).padStart(2, '0');
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** A bucket's start in local time, as short as the window's step allows. */
function bucketLabel(iso, step) {
  const d = new Date(iso);
  if (step === '1h') return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  if (step === '6h') return `${DAYS[d.getDay()]} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return `${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** A bucket's start in full local time (the hidden tables). */
const bucketText = (iso) => {
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
};

/** 1, 2 or 5 × 10^n at or above `v`: a round top for an axis. */
function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 5, 10].map((m) => m * p).find((n) => n >= v) ?? 10 * p;
}

const percent = (r) => (r === null ? '—' : `${Math.round(r * 1000) / 10} %`);

/** The frame of a chart: gridlines and y labels at 0, half and top; x labels at a few buckets. */
function frame(buckets, step, top, yText) {
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const y = (v) => M.top + plotH - (Math.min(v, top) / top) * plotH;
  const bw = plotW / buckets.length;
  const x = (i) => M.left + i * bw;
  const grid = [0, top / 2, top].map((v) =>
    s('g', { class: 'chart-grid' }, s('line', { x1: M.left, x2: W - M.right, y1: y(v), y2: y(v) }), s('text', { x: M.left - 6, y: y(v) + 4, 'text-anchor': 'end' }, yText(v))),
  );
  // About six labels whatever the bucket count.
  const every = Math.ceil(buckets.length / 6);
  const xs = buckets.map((b, i) => (i % every === 0 ? s('text', { class: 'chart-x', x: x(i) + bw / 2, y: H - 8, 'text-anchor': 'middle' }, bucketLabel(b.start, step)) : null));
  return { x, y, bw, nodes: [...grid, ...xs] };
}

/** A legend of class → words (the swatch colours come from the classes). */
const legend = (items) => h('ul', { class: 'chart-legend' }, items.map(([cls, text]) => h('li', {}, h('span', { class: `swatch ${cls}` }), text)));

/** An SVG chart as an image with its summary, its legend, and the numbers as a visually hidden table. */
function figure(kind, title, summary, svgChildren, headers, rows, legendItems) {
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `${title}: ${summary}`, class: 'chart', 'data-chart': kind }, svgChildren);
  const data = rows.length
    ? h('table', { class: 'visually-hidden' }, h('caption', {}, title), h('thead', {}, h('tr', {}, headers.map((t) => h('th', { scope: 'col' }, t)))), h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((c) => h('td', {}, c))))))
    : null;
  return h('figure', { class: 'chart-figure' }, h('figcaption', {}, title), svg, legend(legendItems), data);
}

function successChart(series, words) {
  const b = series.buckets;
  const top = niceMax(Math.max(1, ...b.map((x) => x.counts.succeeded + x.counts.failed + x.counts.aborted)));
  // Counts are whole: a half-way gridline between 0 and 1 (or 5) has no label.
  const f = frame(b, series.step, top, (v) => (Number.isInteger(v) ? String(v) : ''));
  const bars = [];
  b.forEach((x, i) => {
    let base = 0;
    for (const [kind, n] of [['succeeded', x.counts.succeeded], ['failed', x.counts.failed], ['aborted', x.counts.aborted]]) {
      if (n > 0) {
        bars.push(s('rect', { class: `chart-${kind}`, 'data-kind': kind, 'data-bucket': x.start, x: f.x(i) + f.bw * 0.15, width: f.bw * 0.7, y: f.y(base + n), height: f.y(base) - f.y(base + n) }));
      }
      base += n;
    }
    // Fire times that did not run: a mark under the bucket (skipped: hollow, missed: filled).
    if (x.notRun.skipped > 0) bars.push(s('circle', { class: 'chart-skipped', 'data-kind': 'skipped', 'data-bucket': x.start, cx: f.x(i) + f.bw / 2 - (x.notRun.missed > 0 ? 4 : 0), cy: H - M.bottom + 2, r: 3 }));
    if (x.notRun.missed > 0) bars.push(s('circle', { class: 'chart-missed', 'data-kind': 'missed', 'data-bucket': x.start, cx: f.x(i) + f.bw / 2 + (x.notRun.skipped > 0 ? 4 : 0), cy: H - M.bottom + 2, r: 3 }));
  });
  const t = series.total;
  const ended = t.counts.succeeded + t.counts.failed + t.counts.aborted;
  const summary = ended
    ? `${ended} runs in ${words}: ${t.counts.succeeded} succeeded, ${t.counts.failed} failed, ${t.counts.aborted} stopped or aborted; success rate ${percent(t.successRate)}; ${t.notRun.skipped} fire times skipped, ${t.notRun.missed} missed.`
    : `no runs ended in ${words}; ${t.notRun.skipped} fire times skipped, ${t.notRun.missed} missed.`;
  const rows = b
    .filter((x) => x.counts.succeeded + x.counts.failed + x.counts.aborted + x.counts.skipped + x.notRun.skipped + x.notRun.missed > 0)
    .map((x) => [bucketText(x.start), x.counts.succeeded, x.counts.failed, x.counts.aborted, x.counts.skipped + x.notRun.skipped, x.notRun.missed, percent(x.successRate)]);
  return figure('success', 'Runs and success rate', summary, [...f.nodes, ...bars], ['Period starting', 'Succeeded', 'Failed', 'Stopped or aborted', 'Skipped', 'Missed', 'Success rate'], rows, [
    ['chart-succeeded', 'succeeded'],
    ['chart-failed', 'failed'],
    ['chart-aborted', 'stopped / aborted'],
    ['chart-skipped', 'skipped fire time'],
    ['chart-missed', 'missed fire time'],
  ]);
}

/** Lines (with a dot per point, so a lone bucket shows) of `pick(bucket)` ms values, broken where null. */
function lines(b, f, seriesDefs) {
  const out = [];
  for (const { name, pick } of seriesDefs) {
    let d = '';
    let prev = false;
    const dots = [];
    b.forEach((x, i) => {
      const v = pick(x);
      if (v === null || v === undefined) {
        prev = false;
        return;
      }
      const px = f.x(i) + f.bw / 2;
      const py = f.y(v);
      d += `${prev ? 'L' : 'M'}${px.toFixed(1)} ${py.toFixed(1)} `;
      prev = true;
      dots.push(s('circle', { class: `chart-dot chart-${name}`, 'data-series': name, 'data-bucket': x.start, cx: px, cy: py, r: 2.5 }));
    });
    if (d) out.push(s('path', { class: `chart-line chart-${name}`, 'data-series': name, d: d.trim() }));
    out.push(...dots);
  }
  return out;
}

function durationChart(series, words) {
  const b = series.buckets;
  const top = niceMax(Math.max(10, ...b.map((x) => x.duration.p95 ?? 0), ...b.map((x) => x.duration.p50 ?? 0)));
  const f = frame(b, series.step, top, (v) => duration(Math.round(v)));
  const t = series.total.duration;
  const summary = t.max === null ? `no finished runs in ${words}.` : `in ${words}, median ${duration(t.p50)}, 95th percentile ${duration(t.p95)}, mean ${duration(t.mean)}, longest ${duration(t.max)}.`;
  const rows = b.filter((x) => x.duration.max !== null).map((x) => [bucketText(x.start), duration(x.duration.p50), duration(x.duration.p95), duration(x.duration.mean), duration(x.duration.max)]);
  const drawn = [...f.nodes, ...lines(b, f, [{ name: 'p50', pick: (x) => x.duration.p50 }, { name: 'p95', pick: (x) => x.duration.p95 }])];
  return figure('duration', 'Run duration', summary, drawn, ['Period starting', 'Median', '95th percentile', 'Mean', 'Longest'], rows, [
    ['chart-p50', 'median (p50)'],
    ['chart-p95', '95th percentile'],
  ]);
}

function latenessChart(series, words) {
  const b = series.buckets;
  const top = niceMax(Math.max(10, ...b.map((x) => x.lateness.p95 ?? 0)));
  const f = frame(b, series.step, top, (v) => duration(Math.round(v)));
  const t = series.total.lateness;
  const summary = t.max === null ? `no scheduled runs in ${words}.` : `scheduled runs in ${words} started late by ${duration(t.p95)} at the 95th percentile, ${duration(t.mean)} on average, ${duration(t.max)} at most.`;
  const rows = b.filter((x) => x.lateness.max !== null).map((x) => [bucketText(x.start), duration(x.lateness.p95), duration(x.lateness.mean), duration(x.lateness.max)]);
  const drawn = [...f.nodes, ...lines(b, f, [{ name: 'late', pick: (x) => x.lateness.p95 }])];
  return figure('lateness', 'Lateness of scheduled runs', summary, drawn, ['Period starting', '95th percentile', 'Mean', 'Most'], rows, [['chart-late', '95th percentile of start minus scheduled time']]);
}

/**
 * The charts of one job (`jobId`) or of every job the user may read: {node, refresh} like a page.
 * `refresh` refetches when the window changed or the data is older than MAX_AGE_MS.
 */
export function chartsPanel(ctx, { jobId } = {}) {
  let chosen = '24h';
  let fetchedAt = 0;
  let fetchedWindow = null;
  const body = h('div', { class: 'charts', 'aria-live': 'polite', 'aria-busy': 'false' });
  const buttons = WINDOWS.map((w) =>
    h(
      'button',
      {
        type: 'button',
        'data-window': w.value,
        'aria-pressed': String(w.value === chosen),
        onclick: () => {
          chosen = w.value;
          for (const b of buttons) b.setAttribute('aria-pressed', String(b.dataset.window === chosen));
          // Through ctx.act: an error shows in the page's banner.
          void ctx.act(load);
        },
      },
      w.label,
    ),
  );
  const node = h('section', { class: 'charts-panel', 'aria-label': 'Runs over time' }, h('div', { class: 'toolbar' }, h('h2', {}, 'Runs over time'), h('div', { role: 'group', 'aria-label': 'Chart period', class: 'window-switch' }, buttons)), body);

  async function load() {
    const w = chosen;
    body.setAttribute('aria-busy', 'true');
    try {
      const series = jobId ? await kairos.jobSeries(jobId, w) : await kairos.series(w);
      // A later click may have asked for another window meanwhile: only the current one is drawn.
      if (w !== chosen) return;
      const words = WINDOWS.find((x) => x.value === w)?.words ?? w;
      body.replaceChildren(successChart(series, words), durationChart(series, words), latenessChart(series, words));
      body.dataset.window = w;
      fetchedAt = Date.now();
      fetchedWindow = w;
    } finally {
      body.setAttribute('aria-busy', 'false');
    }
  }

  const refresh = async () => {
    if (fetchedWindow === chosen && Date.now() - fetchedAt < MAX_AGE_MS) return;
    await load();
  };
  return { node, refresh };
}
