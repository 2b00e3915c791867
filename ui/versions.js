// A job's history on its page: the Versions panel (every version with its author, surface, time and a
// one-line summary of what changed; a line diff of any two versions' definitions; Restore of any
// earlier one) and the Audit panel (the job's audit trail, detail on demand, paged). Also the admins'
// Audit page over the whole log (#/audit).
//
// Line diffs come from jsdiff (`diffLines`), served by the API from the installed package
// (/ui/vendor/diff/, its ES module build). It is loaded on first use and its absence costs only the
// line diff (the version's RFC 6902 patch is shown instead), never the page.
import { ApiError, kairos } from './api.js';
import { badge, button, h, table, time } from './dom.js';

const VERSIONS_PAGE = 50;
const AUDIT_PAGE = 20;
/** Unchanged lines kept around each change in a diff; longer runs collapse into one line. */
const CONTEXT = 3;

let jsdiff;
/** jsdiff's module, or null when it cannot be loaded (then diffs fall back to the patch). */
function loadJsdiff() {
  jsdiff ??= import('/ui/vendor/diff/index.js').catch(() => null);
  return jsdiff;
}

/** JSON with object keys sorted at every level, two-space indented: equal definitions print equally. */
export function prettyDefinition(value) {
  const sorted = (v) => {
    if (Array.isArray(v)) return v.map(sorted);
    if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])]));
    return v;
  };
  return `${JSON.stringify(sorted(value), null, 2)}\n`;
}

/**
 * `/triggers/0/expression` → `triggers[0].expression` (RFC 6901 escapes undone); an element appended
 * to an array (`/tags/-`, RFC 6902's "past the end") names the array.
 */
function fieldOf(pointer) {
  const parts = pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (parts.length > 1 && parts.at(-1) === '-') parts.pop();
  return parts.reduce((out, p) => (/^\d+$/.test(p) ? `${out}[${p}]` : out ? `${out}.${p}` : p), '') || 'the whole definition';
}

/** A one-line summary of an RFC 6902 patch: "changed description, triggers[0].expression; added tags". */
export function summarizePatch(version, patch) {
  if (version === 1) return 'first version';
  if (!Array.isArray(patch) || patch.length === 0) return 'no change to the definition';
  const verbs = { replace: 'changed', add: 'added', remove: 'removed', move: 'moved', copy: 'copied' };
  const groups = new Map();
  for (const op of patch) {
    const verb = verbs[op.op] ?? op.op;
    if (!groups.has(verb)) groups.set(verb, new Set());
    groups.get(verb).add(fieldOf(op.path ?? ''));
  }
  const MAX = 4;
  let shown = 0;
  let hidden = 0;
  const parts = [];
  for (const [verb, fields] of groups) {
    const list = [...fields];
    const take = list.slice(0, Math.max(0, MAX - shown));
    shown += take.length;
    hidden += list.length - take.length;
    if (take.length) parts.push(`${verb} ${take.join(', ')}`);
  }
  return `${parts.join('; ')}${hidden ? ` (+${hidden} more)` : ''}`;
}

/**
 * Lines of a diff as {kind: 'added'|'removed'|'same'|'skipped', text}: unchanged runs longer than
 * twice the context collapse into one `skipped` line saying how many lines it stands for.
 */
export function diffRows(changes) {
  const rows = [];
  for (const c of changes) {
    const lines = c.value.replace(/\n$/, '').split('\n');
    const kind = c.added ? 'added' : c.removed ? 'removed' : 'same';
    for (const text of lines) rows.push({ kind, text });
  }
  const out = [];
  for (let i = 0; i < rows.length; ) {
    if (rows[i].kind !== 'same') {
      out.push(rows[i++]);
      continue;
    }
    let j = i;
    while (j < rows.length && rows[j].kind === 'same') j++;
    const head = i === 0 ? 0 : CONTEXT;
    const tail = j === rows.length ? 0 : CONTEXT;
    if (j - i > head + tail + 1) {
      out.push(...rows.slice(i, i + head), { kind: 'skipped', text: `… ${j - i - head - tail} unchanged lines` }, ...rows.slice(j - tail, j));
    } else out.push(...rows.slice(i, j));
    i = j;
  }
  return out;
}

/** Signs that say what a line is without colour (read out by screen readers too). */
const SIGNS = { added: '+', removed: '−', same: ' ', skipped: ' ' };
const SIGN_NAMES = { added: 'added', removed: 'removed' };

function diffView(rows, oldN, newN) {
  if (!rows.some((r) => r.kind === 'added' || r.kind === 'removed')) return h('p', { class: 'empty' }, `Versions ${oldN} and ${newN} have the same definition.`);
  const added = rows.filter((r) => r.kind === 'added').length;
  const removed = rows.filter((r) => r.kind === 'removed').length;
  return h(
    'div',
    {},
    h('p', { class: 'muted' }, `v${oldN} → v${newN}: ${added} line${added === 1 ? '' : 's'} added (+), ${removed} removed (−)`),
    h(
      'pre',
      { class: 'diff', tabindex: '0', 'aria-label': `Line diff from version ${oldN} to version ${newN}` },
      rows.map((r) =>
        h(
          r.kind === 'added' ? 'ins' : r.kind === 'removed' ? 'del' : 'span',
          { class: `diff-line ${r.kind}`, ...(SIGN_NAMES[r.kind] ? { title: SIGN_NAMES[r.kind] } : {}) },
          h('span', { class: 'sign' }, SIGNS[r.kind]),
          r.text,
        ),
      ),
    ),
  );
}

/** Keeps a part of a panel as it is when what it shows did not change (a poll keeps focus and scroll). */
function stable(el) {
  let last;
  return (key, build) => {
    if (key === last) return;
    last = key;
    el.replaceChildren(build());
  };
}

/** Whether an error is the API's answer to a stale If-Match: a 409 naming `version` (not any other conflict). */
const staleVersion = (err) => err instanceof ApiError && err.status === 409 && err.details.some((d) => d.path === 'version');

/** The label of whoever made an event or version. */
const who = (name, id) => name ?? id ?? '—';

// ---------------------------------------------------------------- versions

function versionsPanel(ctx, id) {
  let cursors = [undefined];
  let pageNo = 0;
  /** The two versions compared; null until the user picks (then the newest and the one before). */
  let picked = null;
  /** Versions read in full, by number (applied and closed ones never change; drafts are read again). */
  const full = new Map();
  const list = h('div');
  const showList = stable(list);
  const oldSelect = h('select', { 'aria-label': 'old version', name: 'old', onchange: () => pick() });
  const newSelect = h('select', { 'aria-label': 'new version', name: 'new', onchange: () => pick() });
  const diff = h('div', { class: 'diff-panel' });
  const showDiff = stable(diff);
  const pager = h('div', { class: 'pager' });
  const node = h(
    'div',
    { class: 'versions', dataset: { panel: 'versions' } },
    list,
    pager,
    h('h3', {}, 'Compare versions'),
    h('div', { class: 'toolbar' }, h('label', {}, 'Old ', oldSelect), h('label', {}, 'New ', newSelect)),
    diff,
  );
  /** The job's version (its write counter) as last read: the If-Match of a restore. */
  let jobVersion;
  let items = [];

  // A new pair is shown by the page's refresh, so that a failed read goes to the banner like any other.
  function pick() {
    picked = { old: Number(oldSelect.value), new: Number(newSelect.value) };
    void ctx.refresh();
  }

  async function read(n) {
    const cached = full.get(n);
    if (cached && cached.state !== 'draft') return cached;
    const v = await kairos.version(id, n);
    full.set(n, v);
    return v;
  }

  async function renderDiff() {
    const oldN = Number(oldSelect.value);
    const newN = Number(newSelect.value);
    if (!oldN || !newN) return showDiff('none', () => h('p', { class: 'empty' }, 'Only one version: nothing to compare yet.'));
    const [a, b, lib] = await Promise.all([read(oldN), read(newN), loadJsdiff()]);
    const key = JSON.stringify([oldN, newN, a.createdAt, b.createdAt, a.state, b.state, !!lib]);
    showDiff(key, () => {
      if (!lib) return h('div', {}, h('p', { class: 'muted' }, 'The line diff is not available (jsdiff is not served); the change as a JSON Patch:'), h('pre', { class: 'diff' }, JSON.stringify(b.diff, null, 2)));
      return diffView(diffRows(lib.diffLines(prettyDefinition(a.definition), prettyDefinition(b.definition))), oldN, newN);
    });
  }

  function restore(v) {
    return ctx.act(
      async () => {
        try {
          await kairos.restore(id, v.version, jobVersion);
        } catch (err) {
          // The job changed since this page read it (a stale If-Match: the API's 409 naming the
          // version): say so in words; the refresh that follows shows what changed.
          if (staleVersion(err)) {
            throw new ApiError(err.status, `Version ${v.version} was not restored: the job was changed elsewhere since this page read it. The versions below are now current; check them, then restore again if you still want version ${v.version}.`);
          }
          throw err;
        }
        picked = null; // show what the restore did: the new version against the one before
      },
      { confirm: `Restore version ${v.version}? Its definition becomes the live job as a new version (the owner stays).` },
    );
  }

  const refresh = async () => {
    const [job, page] = await Promise.all([kairos.job(id), kairos.versions(id, { limit: VERSIONS_PAGE, cursor: cursors[pageNo] })]);
    jobVersion = job.version;
    items = page.items;
    cursors[pageNo + 1] = page.nextCursor ?? undefined;
    // The newest applied version is the live definition: restoring it would change nothing.
    const live = pageNo === 0 ? items.find((v) => v.state === 'applied')?.version : undefined;
    showList(JSON.stringify([jobVersion, items.map((v) => [v.version, v.state, v.createdAt])]), () =>
      table(
        ['Version', 'State', 'Author', 'Surface', 'Time', 'Change', ''],
        items.map((v) => [
          `v${v.version}`,
          v.version === live ? badge('live') : badge(v.state),
          v.authorId === null ? h('span', { class: 'muted' }, 'Kairos (repair)') : h('span', { title: v.authorId }, who(v.authorName, v.authorId)),
          v.surface,
          time(v.createdAt),
          summarizePatch(v.version, v.diff),
          h(
            'span',
            { class: 'actions' },
            v.version > 1
              ? button('Diff', () => {
                  picked = { old: v.version - 1, new: v.version };
                  setSelects();
                  void ctx.refresh();
                }, { 'aria-label': `Diff version ${v.version} with version ${v.version - 1}` })
              : null,
            v.version === live ? null : button('Restore', () => restore(v), { 'aria-label': `Restore version ${v.version}` }),
          ),
        ]),
        'No versions recorded.',
        (i) => ({ dataset: { version: String(items[i].version), state: items[i].state } }),
      ),
    );
    pager.replaceChildren(
      button('‹ Newer', () => ((pageNo -= 1), void ctx.refresh()), { disabled: pageNo === 0 }),
      button('Older ›', () => ((pageNo += 1), void ctx.refresh()), { disabled: !page.nextCursor }),
    );
    setSelects();
    await renderDiff();
  };

  let selectsKey;
  function setSelects() {
    const numbers = items.map((v) => v.version);
    const newest = numbers[0];
    const choice = picked ?? { old: numbers[1], new: newest };
    // A picked version on another page of the list stays pickable.
    const offered = [...new Set([...numbers, choice.old, choice.new].filter((n) => n !== undefined))].sort((a, b) => b - a);
    // Rebuilt only when they would change: a poll leaves an open drop-down alone.
    const key = JSON.stringify([offered, choice]);
    if (key === selectsKey) return;
    selectsKey = key;
    for (const [select, value] of [
      [oldSelect, choice.old],
      [newSelect, choice.new],
    ]) {
      const options = offered.map((n) => h('option', { value: String(n), selected: n === value }, `v${n}`));
      select.replaceChildren(...options);
      select.disabled = offered.length < 2;
      if (value === undefined) select.value = '';
    }
  }

  return { node, refresh };
}

// ---------------------------------------------------------------- audit

/** The detail of an event on demand; which are open survives the page's polls. */
function detailCell(entry, open) {
  if (!entry.detail) return '—';
  const d = h('details', { open: open.has(entry.id) }, h('summary', {}, 'Detail'), h('pre', { class: 'detail' }, JSON.stringify(entry.detail, null, 2)));
  d.addEventListener('toggle', () => (d.open ? open.add(entry.id) : open.delete(entry.id)));
  return d;
}

/**
 * A paged table of audit events with an outcome filter, over `load(params)` (a job's trail or the
 * whole log); `filters` are more controls whose values go with every request (the Audit page's).
 */
function auditTable(ctx, load, { showJob = false, filters = [] } = {}) {
  let cursors = [undefined];
  let pageNo = 0;
  const open = new Set();
  const restart = () => {
    cursors = [undefined];
    pageNo = 0;
    void ctx.refresh();
  };
  const outcome = h('select', { 'aria-label': 'outcome filter', name: 'outcome', onchange: restart }, ['', 'ok', 'denied', 'failed'].map((o) => h('option', { value: o }, o || 'all outcomes')));
  for (const f of filters) f.control.addEventListener('change', restart);
  const note = h('p', { class: 'muted' });
  const body = h('div');
  const showBody = stable(body);
  const pager = h('div', { class: 'pager' });
  const node = h('div', { class: 'audit' }, h('div', { class: 'toolbar' }, h('label', {}, 'Show ', outcome), filters.map((f) => h('label', {}, `${f.label} `, f.control))), note, body, pager);
  const refresh = async () => {
    const params = { outcome: outcome.value, limit: AUDIT_PAGE, cursor: cursors[pageNo] };
    for (const f of filters) params[f.name] = f.value();
    const page = await load(params);
    cursors[pageNo + 1] = page.nextCursor ?? undefined;
    // A reader of the job sees its successful events only (the API says so): say it, offer no filter.
    const readerOnly = page.visible === 'ok';
    outcome.disabled = readerOnly;
    note.textContent = readerOnly ? "You see the job's successful events; denied and failed ones are shown to its owner, its share admins and Kairos admins." : '';
    showBody(JSON.stringify(page.items.map((e) => e.id)), () =>
      table(
        ['When', 'Who', ...(showJob ? ['Job'] : []), 'Surface', 'Action', 'Outcome', 'Detail'],
        page.items.map((e) => [
          time(e.at),
          who(e.principalName, e.principalId),
          ...(showJob ? [e.jobId ? h('a', { href: `#/jobs/${encodeURIComponent(e.jobId)}` }, e.jobId) : e.target ?? '—'] : []),
          e.surface,
          h('code', {}, e.action),
          badge(e.outcome),
          detailCell(e, open),
        ]),
        outcome.value || filters.some((f) => f.value()) ? 'No event matches the filters.' : 'No events recorded.',
        (i) => ({ dataset: { auditId: String(page.items[i].id), action: page.items[i].action, outcome: page.items[i].outcome } }),
      ),
    );
    pager.replaceChildren(
      button('‹ Newer', () => ((pageNo -= 1), void ctx.refresh()), { disabled: pageNo === 0 }),
      h('span', { class: 'muted' }, `page ${pageNo + 1}`),
      button('Older ›', () => ((pageNo += 1), void ctx.refresh()), { disabled: !page.nextCursor }),
    );
  };
  return { node, refresh };
}

// ---------------------------------------------------------------- pages

/**
 * The job page (`page`, a {node, refresh} of pages.js) with the job's Versions and Audit panels
 * appended; its refresh refreshes them too.
 */
export function withHistory(ctx, id, page) {
  const versions = versionsPanel(ctx, id);
  const audit = auditTable(ctx, (params) => kairos.jobAudit(id, params));
  page.node.append(
    h('section', { class: 'panel', 'aria-labelledby': 'versions-title' }, h('h2', { id: 'versions-title' }, 'Versions'), versions.node),
    h('section', { class: 'panel', 'aria-labelledby': 'audit-title' }, h('h2', { id: 'audit-title' }, 'Audit trail'), audit.node),
  );
  return {
    node: page.node,
    refresh: async () => {
      await page.refresh();
      await Promise.all([versions.refresh(), audit.refresh()]);
    },
  };
}

/** The admins' Audit page over the whole log: filters by job, principal, action and surface. */
export function auditPage(ctx) {
  const text = (name, label) => {
    const control = h('input', { name, type: 'search', 'aria-label': label, size: '16' });
    return { name, label, control, value: () => control.value.trim() };
  };
  const log = auditTable(ctx, (params) => kairos.audit(params), {
    showJob: true,
    filters: [text('job', 'Job'), text('principal', 'Who'), text('action', 'Action'), text('surface', 'Surface')],
  });
  const node = h('section', {}, h('h1', {}, 'Audit log'), h('p', { class: 'muted' }, 'Every change, run, stop, login and denial, through every surface, newest first. Admins only.'), log.node);
  return { node, refresh: log.refresh };
}
