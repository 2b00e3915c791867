// The dashboard's only door to the server: same-origin fetches to the native /v1 API, authenticated
// by the login session's HttpOnly cookie (the page never sees it, nor keeps a password). The
// session's CSRF token lives only in this module's memory and goes with every state-changing call;
// after a reload it is read again from GET /v1/sessions/current. Every call says it comes from the
// dashboard (X-Kairos-Client), so a 401 comes without a Basic challenge: the browser shows no
// password prompt, and the page shows its login form instead (onUnauthenticated).
/* global fetch, URLSearchParams */

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The session's CSRF token; null without a session (e.g. Basic credentials, which need none). */
let csrfToken = null;
/** Called once per 401 of an authenticated call: the session has ended (expired, logged out elsewhere). */
let unauthenticated = () => {};

/** Sets (or clears, with null) the CSRF token sent on state-changing calls. */
export function setCsrfToken(token) {
  csrfToken = token;
}

/** What to do when a call answers 401 (the page shows its login form). */
export function onUnauthenticated(fn) {
  unauthenticated = fn;
}

/** An API error with the server's message (and field details) for the banner. */
export class ApiError extends Error {
  constructor(status, message, details = []) {
    super(message);
    this.status = status;
    this.details = details;
  }
}

/** The native error shape {"error":{"code","message","details":[{path,message}]}} as one line. */
function messageOf(status, body) {
  const e = body && typeof body === 'object' ? body.error : undefined;
  if (!e || typeof e.message !== 'string') return `HTTP ${status}`;
  const details = Array.isArray(e.details) ? e.details.filter((d) => d && d.message) : [];
  return details.length ? `${e.message}: ${details.map((d) => (d.path ? `${d.path} ${d.message}` : d.message)).join('; ')}` : e.message;
}

/**
 * Calls the API; resolves to the parsed JSON body (null for 204), throws ApiError otherwise.
 * `ifMatch` sends the job version last read, so an edit never overwrites a change made meanwhile.
 */
export async function api(method, path, { body, ifMatch, login = false } = {}) {
  const headers = { accept: 'application/json', 'x-kairos-client': 'dashboard' };
  if (csrfToken && !SAFE.has(method)) headers['x-csrf-token'] = csrfToken;
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (ifMatch !== undefined) headers['if-match'] = `"${ifMatch}"`;
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  } catch (err) {
    throw new ApiError(0, `the Kairos API cannot be reached (${err.message})`);
  }
  const text = await res.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!res.ok) {
    const err = new ApiError(res.status, messageOf(res.status, parsed), parsed?.error?.details ?? []);
    // A failed login is the form's own error, not the end of a session.
    if (res.status === 401 && !login) unauthenticated(err);
    throw err;
  }
  return parsed;
}

/** `?a=1&b=x` from an object, leaving out empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

const enc = encodeURIComponent;

/** The endpoints the dashboard uses, named by what they do. */
export const kairos = {
  login: (username, password) => api('POST', '/v1/sessions', { body: { username, password }, login: true }),
  session: () => api('GET', '/v1/sessions/current', { login: true }),
  logout: () => api('DELETE', '/v1/sessions/current'),
  me: () => api('GET', '/v1/me'),
  config: () => api('GET', '/ui/config.json'),
  stats: () => api('GET', '/v1/stats'),
  jobs: (params) => api('GET', `/v1/jobs${query(params)}`),
  job: (id) => api('GET', `/v1/jobs/${enc(id)}`),
  jobStats: (id) => api('GET', `/v1/jobs/${enc(id)}/stats`),
  series: (window) => api('GET', `/v1/stats/series${query({ window })}`),
  jobSeries: (id, window) => api('GET', `/v1/jobs/${enc(id)}/stats/series${query({ window })}`),
  jobRuns: (id, params) => api('GET', `/v1/jobs/${enc(id)}/runs${query(params)}`),
  runs: (params) => api('GET', `/v1/runs${query(params)}`),
  run: (runId) => api('GET', `/v1/runs/${enc(runId)}`),
  /** Starts a run now; `input` (optional) is the run-time input the job's driver gets. */
  runNow: (id, input) => api('POST', `/v1/jobs/${enc(id)}/run`, input === undefined ? {} : { body: { input } }),
  pause: (id) => api('POST', `/v1/jobs/${enc(id)}/pause`),
  resume: (id) => api('POST', `/v1/jobs/${enc(id)}/resume`),
  patchJob: (id, patch, version) => api('PATCH', `/v1/jobs/${enc(id)}`, { body: patch, ifMatch: version }),
  deleteJob: (id) => api('DELETE', `/v1/jobs/${enc(id)}`),
  backfill: (id, body) => api('POST', `/v1/jobs/${enc(id)}/backfill`, { body }),
  stopRun: (runId) => api('POST', `/v1/runs/${enc(runId)}/stop`),
  abortRun: (runId) => api('POST', `/v1/runs/${enc(runId)}/abort`, { body: { reason: 'aborted from the dashboard' } }),
  versions: (id, params) => api('GET', `/v1/jobs/${enc(id)}/versions${query(params)}`),
  version: (id, n) => api('GET', `/v1/jobs/${enc(id)}/versions/${enc(n)}`),
  restore: (id, n, version) => api('POST', `/v1/jobs/${enc(id)}/versions/${enc(n)}/restore`, { ifMatch: version }),
  jobAudit: (id, params) => api('GET', `/v1/jobs/${enc(id)}/audit${query(params)}`),
  audit: (params) => api('GET', `/v1/audit${query(params)}`),
  preview: (trigger, timezone) => api('POST', '/v1/triggers/preview', { body: { trigger, count: 3, ...(timezone ? { timezone } : {}) } }),
};
