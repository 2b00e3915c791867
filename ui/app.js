// The dashboard shell: hash routing between pages, polling while the tab is visible, the error
// banner, and running user actions (confirm → call → refresh; failures go to the banner).
/* global document, window, location, setInterval, URLSearchParams */
import { kairos } from './api.js';
import { openCronDialog, cronDialogOpen } from './cron.js';
import { openBackfillDialog, backfillDialogOpen } from './backfill.js';
import { jobDetail, jobs, overview, runs } from './pages.js';

const POLL_MS = 4000;
const view = document.getElementById('view');
const banner = document.getElementById('banner');
const bannerText = document.getElementById('banner-text');

/** Where the current banner message came from: a poll's error clears when a later poll succeeds. */
let bannerSource = null;

function showError(err, source) {
  bannerText.textContent = err?.message ?? String(err);
  banner.hidden = false;
  bannerSource = source;
}

function clearError(source) {
  if (bannerSource === source) {
    banner.hidden = true;
    bannerSource = null;
  }
}

document.getElementById('banner-close').addEventListener('click', () => {
  banner.hidden = true;
  bannerSource = null;
});

let page = null;
let refreshing = null;
let again = false;

/** Refreshes the current page; a request while one is in flight runs once more after it. */
async function refresh() {
  if (refreshing) {
    again = true;
    return refreshing;
  }
  const current = page;
  refreshing = (async () => {
    try {
      await current?.refresh();
      clearError('poll');
    } catch (err) {
      showError(err, 'poll');
    }
  })();
  await refreshing;
  refreshing = null;
  if (again) {
    again = false;
    await refresh();
  }
}

/** What pages get: the Temporal UI settings, and a way to run actions and open the cron editor. */
const ctx = {
  cfg: null,
  /** Counts the writes made from this page, so pages can drop what they cached before one. */
  changes: 0,
  /** Runs an action after an optional confirm; errors show in the banner; the page refreshes after. */
  async act(fn, { confirm } = {}) {
    if (confirm && !window.confirm(confirm)) return undefined;
    try {
      const out = await fn();
      clearError('action');
      return out;
    } catch (err) {
      showError(err, 'action');
      return undefined;
    } finally {
      ctx.changes++;
      await refresh();
    }
  },
  editCron(job) {
    openCronDialog(job, {
      onSaved: () => {
        ctx.changes++;
        clearError('action');
        void refresh();
      },
      onError: (err) => showError(err, 'action'),
    });
  },
  backfill(job) {
    openBackfillDialog(job, {
      onDone: () => {
        ctx.changes++;
        clearError('action');
        void refresh();
      },
      onError: (err) => showError(err, 'action'),
    });
  },
  refresh,
  navigate(hash) {
    location.hash = hash;
  },
};

/** `#/jobs/<id>?x=y` → a page. */
function route() {
  const [path, qs = ''] = location.hash.replace(/^#/, '').split('?');
  const params = new URLSearchParams(qs);
  const parts = (path || '/').split('/').filter(Boolean);
  if (parts[0] === 'runs') return { nav: 'runs', page: runs(ctx, params) };
  if (parts[0] === 'jobs' && parts[1]) return { nav: 'jobs', page: jobDetail(ctx, decodeURIComponent(parts.slice(1).join('/'))) };
  if (parts[0] === 'jobs') return { nav: 'jobs', page: jobs(ctx, params) };
  return { nav: 'overview', page: overview(ctx) };
}

function show() {
  const r = route();
  page = r.page;
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.dataset.nav === r.nav);
  view.replaceChildren(page.node);
  void refresh();
}

function poll() {
  if (document.visibilityState !== 'visible' || cronDialogOpen() || backfillDialogOpen()) return;
  void refresh();
}

async function start() {
  try {
    const [cfg, me] = await Promise.all([kairos.config(), kairos.me()]);
    ctx.cfg = cfg;
    document.getElementById('whoami').textContent = `${me.username} (${me.role})`;
  } catch (err) {
    showError(err, 'poll');
  }
  window.addEventListener('hashchange', show);
  document.addEventListener('visibilitychange', poll);
  setInterval(poll, POLL_MS);
  show();
}

void start();
