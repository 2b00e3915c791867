// Small DOM and formatting helpers. Elements are built with textContent only (never innerHTML), so
// job names, ids and API messages can never inject markup.
/* global document, Node */

/** h('a', {href, class, onclick, title, dataset}, ...children): an element; strings become text. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

/** A table with a header row; `rows` are arrays of cells (strings or nodes), or a message when empty. */
export function table(headers, rows, empty = 'Nothing here yet.', rowAttrs = () => ({})) {
  if (rows.length === 0) return h('p', { class: 'empty' }, empty);
  return h(
    'table',
    {},
    h('thead', {}, h('tr', {}, headers.map((t) => h('th', {}, t)))),
    h('tbody', {}, rows.map((cells, i) => h('tr', rowAttrs(i), cells.map((c) => h('td', {}, c))))),
  );
}

const pad = (n) => String(n).padStart(2, '0');

/** An instant as local wall time, to the second ("2026-11-23 15:15:00"). */
export function localText(iso) {
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Local wall time as an element; the ISO instant and how far off it is in the tooltip. */
export function time(iso) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  return h('time', { datetime: iso, title: `${iso} (${relative(new Date(iso))})` }, localText(iso));
}

/** "in 5 min", "3 h ago". */
export function relative(d) {
  const s = Math.round((d.getTime() - Date.now()) / 1000);
  const a = Math.abs(s);
  const v = a < 60 ? `${a} s` : a < 3600 ? `${Math.round(a / 60)} min` : a < 86400 ? `${Math.round(a / 3600)} h` : `${Math.round(a / 86400)} d`;
  return s >= 0 ? `in ${v}` : `${v} ago`;
}

export function duration(ms) {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(ms / 3_600_000)} h ${Math.round((ms % 3_600_000) / 60_000)} min`;
}

/** A run status as a coloured badge (running, succeeded, failed, cancelled, terminated, timed_out). */
export function badge(status, text = status) {
  return h('span', { class: `badge ${status}`, dataset: { status } }, text.replace('_', ' '));
}

/** What a trigger means, in words. */
export function describeTrigger(t, jobTimezone) {
  const off = t.enabled === false ? ' (off)' : '';
  switch (t.type) {
    case 'cron': {
      const tz = t.timezone ?? jobTimezone;
      return `cron ${t.expression} (${t.dialect ?? 'unix'}${tz ? `, ${tz}` : ''})${off}`;
    }
    case 'interval':
      return `every ${t.every}${t.startAt ? ` from ${t.startAt}` : ''}${t.endAt ? ` until ${t.endAt}` : ''}${off}`;
    case 'once':
      return `once at ${t.at}${t.repeats ? `, ${t.repeats}×` : ''}${t.ttl ? `, for ${t.ttl}` : ''}${off}`;
    case 'job':
      return `after ${t.jobId} ${t.on.join(' or ')}${off}`;
    default:
      return t.type;
  }
}

/** A job's triggers as lines; "manual only" without any. */
export function schedule(job) {
  const triggers = job.triggers ?? [];
  if (triggers.length === 0) return h('span', { class: 'muted' }, 'manual only');
  return h('div', { class: 'schedule' }, triggers.map((t) => h('div', {}, describeTrigger(t, job.timezone))));
}

/** A run's progress: a bar when the total is known, else the count; "queued" before a worker starts it. */
export function progress(run) {
  if (run.status !== 'running') return run.progress ? progressText(run.progress) : '';
  if (run.phase === 'queued') return h('span', { class: 'muted' }, 'queued');
  const p = run.progress;
  if (!p) return h('span', { class: 'muted' }, 'executing');
  const bar = typeof p.total === 'number' && p.total > 0 ? h('progress', { max: p.total, value: Math.min(p.done, p.total) }) : null;
  return h('span', { class: 'progress' }, bar, ' ', progressText(p));
}

function progressText(p) {
  const total = typeof p.total === 'number' ? ` / ${p.total}` : '';
  const extra = typeof p.written === 'number' ? ` (written ${p.written}, failed ${p.failed ?? 0})` : '';
  return `${p.done}${total}${p.unit ? ` ${p.unit}` : ''}${extra}`;
}

/** A link into Temporal Web UI, or nothing when its address is not known. */
export function temporalLink(cfg, kind, id, text = 'Temporal') {
  if (!cfg?.temporalUiUrl) return null;
  const href = `${cfg.temporalUiUrl}/namespaces/${encodeURIComponent(cfg.namespace)}/${kind}/${encodeURIComponent(id)}`;
  return h('a', { href, target: '_blank', rel: 'noopener noreferrer', class: 'ext', title: `Open in Temporal Web UI` }, text);
}

/** A small button that runs `action` (errors go to the banner through the caller's handler). */
export function button(text, onclick, attrs = {}) {
  return h('button', { type: 'button', onclick, ...attrs }, text);
}

/**
 * Wires one of the page's dialogs (`#<prefix>-dialog` holding `#<prefix>-form`, `#<prefix>-fields`
 * and a `#<prefix>-cancel` button): Cancel and Escape close it (after `onClose`), submitting the
 * form calls `onSubmit` instead of navigating.
 */
export function dialogControls(prefix, { onSubmit, onClose }) {
  const dialog = document.getElementById(`${prefix}-dialog`);
  const close = () => {
    onClose();
    dialog.close();
  };
  document.getElementById(`${prefix}-cancel`).addEventListener('click', close);
  dialog.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') close();
  });
  document.getElementById(`${prefix}-form`).addEventListener('submit', (e) => {
    e.preventDefault();
    onSubmit();
  });
  return { dialog, fields: document.getElementById(`${prefix}-fields`), close };
}
