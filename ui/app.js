// The dashboard shell: the login form until there is a session, hash routing between pages, polling
// while the tab is visible and someone is logged in, the error banner, running user actions
// (confirm → call → refresh; failures go to the banner), log-out, and the colour theme.
/* global document, window, location, setInterval, URLSearchParams */
import { kairos, onUnauthenticated, setCsrfToken } from './api.js';
import { initTheme } from './theme.js';
import { openCronDialog, cronDialogOpen } from './cron.js';
import { openBackfillDialog, backfillDialogOpen } from './backfill.js';
import { jobDetail, jobs, overview, runs } from './pages.js';
import { runPage } from './run.js';
import { auditPage } from './versions.js';

const POLL_MS = 4000;
const view = document.getElementById('view');
const banner = document.getElementById('banner');
const bannerText = document.getElementById('banner-text');

/** Where the current banner message came from: a poll's error clears when a later poll succeeds. */
let bannerSource = null;

/** Whether someone is logged in (a session, or credentials the browser sends by itself). */
let signedIn = false;

function showError(err, source) {
  // A 401 has already put the login form up; its message is there.
  if (!signedIn) return;
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

/** `#/jobs/<id>?x=y`, `#/runs/<runId>` → a page. */
function route() {
  const [path, qs = ''] = location.hash.replace(/^#/, '').split('?');
  const params = new URLSearchParams(qs);
  const parts = (path || '/').split('/').filter(Boolean);
  if (parts[0] === 'runs' && parts[1]) return { nav: 'runs', page: runPage(ctx, decodeURIComponent(parts.slice(1).join('/'))) };
  if (parts[0] === 'runs') return { nav: 'runs', page: runs(ctx, params) };
  if (parts[0] === 'audit') return { nav: 'audit', page: auditPage(ctx) };
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
  if (!signedIn || document.visibilityState !== 'visible' || cronDialogOpen() || backfillDialogOpen()) return;
  void refresh();
}

const nav = document.getElementById('main-nav');
const auditNav = document.getElementById('nav-audit');
const whoami = document.getElementById('whoami');
const logoutButton = document.getElementById('logout');
let pollTimer = null;

/**
 * Shows the dashboard for `user`. `viaSession`: logged in through the form (a Log out button);
 * otherwise the browser sent credentials of its own (Basic), which only closing it forgets.
 */
async function enter(user, viaSession) {
  signedIn = true;
  nav.hidden = false;
  whoami.textContent = `${user.username} (${user.role})`;
  // The whole audit log is for admins (GET /v1/audit); a job's own trail is on its page.
  auditNav.hidden = user.role !== 'admin';
  logoutButton.hidden = !viaSession;
  try {
    ctx.cfg = await kairos.config();
  } catch (err) {
    showError(err, 'poll');
  }
  if (!signedIn) return; // the session ended meanwhile
  pollTimer ??= setInterval(poll, POLL_MS);
  show();
}

/** Replaces the dashboard with the login form; `notice` says why (session ended, logged out). */
function showLogin(notice = '') {
  signedIn = false;
  setCsrfToken(null);
  page = null;
  nav.hidden = true;
  whoami.textContent = '';
  logoutButton.hidden = true;
  banner.hidden = true;
  bannerSource = null;
  for (const d of document.querySelectorAll('dialog[open]')) d.close();
  const form = document.getElementById('login-template').content.cloneNode(true);
  view.replaceChildren(form);
  const noticeEl = document.getElementById('login-notice');
  noticeEl.textContent = notice;
  noticeEl.hidden = notice === '';
  const username = document.getElementById('login-username');
  const password = document.getElementById('login-password');
  const error = document.getElementById('login-error');
  const submit = view.querySelector('button[type="submit"]');
  document.getElementById('login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    if (!username.value || !password.value) {
      error.textContent = `Enter your ${!username.value ? 'username' : 'password'}.`;
      (!username.value ? username : password).focus();
      return;
    }
    submit.disabled = true;
    try {
      const s = await kairos.login(username.value, password.value);
      setCsrfToken(s.csrfToken);
      await enter(s.user, true);
    } catch (err) {
      // The server's words: a wrong password, or (429) how long failed logins are throttled.
      error.textContent = err.message;
      password.value = '';
      password.focus();
    } finally {
      submit.disabled = false;
    }
  });
  username.focus();
}

logoutButton.addEventListener('click', async () => {
  try {
    await kairos.logout();
    showLogin('You have logged out.');
  } catch (err) {
    showError(err, 'action');
  }
});

/** Whoever the browser is logged in as: its session, or credentials it sends by itself; else the form. */
async function resume() {
  try {
    const s = await kairos.session();
    setCsrfToken(s.csrfToken);
    await enter(s.user, true);
    return;
  } catch (err) {
    // 404: authenticated, but not by a session (the browser's Basic credentials).
    if (err.status !== 404) {
      showLogin(err.status === 401 ? '' : err.message);
      return;
    }
  }
  try {
    await enter(await kairos.me(), false);
  } catch (err) {
    showLogin(err.status === 401 ? '' : err.message);
  }
}

function start() {
  initTheme(document.getElementById('theme-toggle'));
  onUnauthenticated(() => {
    if (signedIn) showLogin('Your session has ended. Log in again to continue.');
  });
  window.addEventListener('hashchange', () => {
    if (signedIn) show();
  });
  document.addEventListener('visibilitychange', poll);
  void resume();
}

start();
