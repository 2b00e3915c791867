// The dashboard's login (#18 items 1 and 6) in Debian's Chromium: the page's files load without a
// Basic prompt and show a login form; a wrong password shows the server's message and sets no cookie;
// a login sets an HttpOnly, SameSite=Strict session cookie, and a state-changing action from the page
// carries the CSRF token while a request without it is refused (403); a session ended server-side
// brings the form back with a message; log-out ends the session (its cookie no longer works); dark
// mode follows prefers-color-scheme and the toggle's choice survives a reload; the pages fit a phone
// and work from the keyboard; and axe-core finds no serious or critical violation on the login and
// jobs pages, light and dark. On a private stack (1 min idle time, 2 failed logins per user): the
// throttle's 429 message on the form, a session in use outliving its idle time, an idle one ending.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { api, apiUrl, uniqueId } from '../support/env.ts';
import { startHttpTarget, type HttpTarget } from '../support/http-target.ts';
import { adminCredentials, assertAccessible, chromiumMissing, js, launchChromium } from '../support/browser.ts';
import { startOwnStack, type OwnStack } from '../support/processes.ts';
import { waitFor } from '../support/wait-for.ts';

/** A call as the browser would make it: the session cookie and, for writes, the CSRF token. */
async function withCookie(method: string, path: string, cookie: string, csrf?: string): Promise<Response> {
  const headers: Record<string, string> = { cookie: `kairos_session=${cookie}` };
  if (csrf) headers['x-csrf-token'] = csrf;
  return await fetch(`${apiUrl()}${path}`, { method, headers });
}

describe('dashboard login over HTTP', () => {
  it('serves the page without credentials, keeps the API and settings behind a Basic challenge, and none for the dashboard', async () => {
    for (const path of ['/ui/', '/ui/app.js', '/ui/theme.js', '/ui/style.css']) {
      const res = await fetch(`${apiUrl()}${path}`);
      assert.equal(res.status, 200, path);
      assert.ok(res.headers.get('content-security-policy')?.includes("script-src 'self'"), path);
    }
    for (const path of ['/ui/config.json', '/v1/me', '/v1/jobs']) {
      const plain = await fetch(`${apiUrl()}${path}`);
      assert.equal(plain.status, 401, path);
      assert.match(plain.headers.get('www-authenticate') ?? '', /^Basic realm="kairos"$/, path);
      // The dashboard's own fetches: no challenge, so the browser shows no password prompt.
      const dashboard = await fetch(`${apiUrl()}${path}`, { headers: { 'x-kairos-client': 'dashboard' } });
      assert.equal(dashboard.status, 401, path);
      assert.equal(dashboard.headers.get('www-authenticate'), null, path);
      assert.equal(((await dashboard.json()) as { error: { code: string } }).error.code, 'unauthenticated');
    }
    // Basic stays for API clients.
    const basic = await fetch(`${apiUrl()}/ui/config.json`, { headers: { authorization: `Basic ${Buffer.from(`${adminCredentials().username}:${adminCredentials().password}`).toString('base64')}` } });
    assert.equal(basic.status, 200);
  });
});

describe('dashboard login in Chromium', { skip: chromiumMissing(), timeout: 240_000 }, () => {
  let browser: Browser;
  let target: HttpTarget;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  const jobId = uniqueId('ui-login');

  async function newPage(opts: BrowserContextOptions = {}): Promise<{ context: BrowserContext; page: Page }> {
    // bypassCSP: only so that the test can inject axe-core; the page's own code never needs it.
    const context = await browser.newContext({ bypassCSP: true, ...opts });
    context.setDefaultTimeout(30_000);
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    return { context, page };
  }

  async function logIn(page: Page, password = adminCredentials().password): Promise<void> {
    await page.waitForSelector('#login-form');
    await page.fill('#login-username', adminCredentials().username);
    await page.fill('#login-password', password);
    await page.click('#login-form button[type="submit"]');
  }

  const sessionCookie = async (context: BrowserContext) => (await context.cookies(apiUrl())).find((c) => c.name === 'kairos_session');

  before(async () => {
    target = await startHttpTarget();
    browser = await launchChromium();
    const created = await api('POST', '/v1/jobs', {
      body: { id: jobId, name: 'UI login', type: 'http', data: { url: `${target.url}/login` }, triggers: [{ type: 'cron', expression: '0 0 1 1 *' }] },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await api('DELETE', `/v1/jobs/${jobId}`);
    await target?.close();
  });

  it('a wrong password shows the message, sets no cookie, and the form passes axe', async () => {
    const { context, page } = await newPage({ colorScheme: 'light' });
    const res = await page.goto(`${apiUrl()}/ui/`);
    assert.equal(res?.status(), 200);
    await page.waitForSelector('#login-form');
    assert.equal(await page.isHidden('#main-nav'), true, 'no navigation before a login');
    await assertAccessible(page, 'login form, light');
    await logIn(page, 'not-the-password');
    await page.waitForSelector('#login-error:has-text("wrong username or password")');
    assert.equal(await sessionCookie(context), undefined);
    assert.equal(await page.inputValue('#login-password'), '', 'the wrong password is cleared');
    // An empty field is named before anything is sent.
    await page.fill('#login-username', '');
    await page.click('#login-form button[type="submit"]');
    await page.waitForSelector('#login-error:has-text("Enter your username")');
    assert.deepEqual(pageErrors, []);
  });

  it('logs in to the dashboard (HttpOnly, SameSite=Strict cookie); the page pauses with the CSRF token, a request without it is refused', async () => {
    const { context, page } = await newPage({ colorScheme: 'light' });
    await page.goto(`${apiUrl()}/ui/#/jobs/${jobId}`);
    await logIn(page);
    await page.waitForSelector(`#whoami:has-text("${adminCredentials().username}")`);
    assert.equal(await page.isVisible('#logout'), true);
    const cookie = await sessionCookie(context);
    assert.ok(cookie, 'a session cookie');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(cookie.secure, false, 'plain HTTP: Secure only under TLS');
    assert.equal(await js<string>(page, 'document.cookie'), '', 'the page cannot read it');

    // The job page the login was for; Pause goes through with the session's CSRF token.
    await page.waitForSelector('#view .actions button:has-text("Pause")');
    await page.click('#view .actions button:has-text("Pause")');
    await page.waitForSelector('#view .actions button:has-text("Resume")');
    assert.equal((await api<{ state: { enabled: boolean } }>('GET', `/v1/jobs/${jobId}`)).body.state.enabled, false);
    await page.waitForSelector('#banner', { state: 'hidden' });

    // The same cookie without the token (or with a made-up one) changes nothing.
    for (const headers of [{}, { 'x-csrf-token': 'forged' }] as Record<string, string>[]) {
      const forged = await context.request.post(`${apiUrl()}/v1/jobs/${jobId}/resume`, { headers, failOnStatusCode: false });
      assert.equal(forged.status(), 403);
      assert.match(((await forged.json()) as { error: { message: string } }).error.message, /CSRF/);
    }
    assert.equal((await api<{ state: { enabled: boolean } }>('GET', `/v1/jobs/${jobId}`)).body.state.enabled, false);
    await page.click('#view .actions button:has-text("Resume")');
    await page.waitForSelector('#view .actions button:has-text("Pause")');
    assert.equal((await api<{ state: { enabled: boolean } }>('GET', `/v1/jobs/${jobId}`)).body.state.enabled, true);

    await page.goto(`${apiUrl()}/ui/#/jobs`);
    await page.waitForSelector(`tr[data-job-id="${jobId}"]`);
    await assertAccessible(page, 'jobs page, light');
    assert.deepEqual(pageErrors, []);
  });

  it('a session ended meanwhile brings the login form back with a message; logging in again resumes', async () => {
    const { context, page } = await newPage();
    await page.goto(`${apiUrl()}/ui/#/runs`);
    await logIn(page);
    await page.waitForSelector('#whoami:not(:empty)');
    const token = (await sessionCookie(context))?.value ?? '';
    // Ended outside the page, as expiry or a log-out in another tab would.
    const current = await withCookie('GET', '/v1/sessions/current', token);
    assert.equal(current.status, 200);
    const { csrfToken } = (await current.json()) as { csrfToken: string };
    assert.equal((await withCookie('DELETE', '/v1/sessions/current', token, csrfToken)).status, 204);
    // The page's next poll gets the 401.
    await page.waitForSelector('#login-notice:has-text("session has ended")', { timeout: 20_000 });
    assert.equal(await page.isHidden('#main-nav'), true);
    assert.equal(await page.isHidden('#banner'), true, 'the 401 is the form’s message, not an error banner');
    await logIn(page);
    await page.waitForSelector('nav a.active[data-nav="runs"]');
    assert.deepEqual(pageErrors, []);
  });

  it('log-out returns to the login form and the old cookie no longer works', async () => {
    const { context, page } = await newPage();
    await page.goto(`${apiUrl()}/ui/`);
    await logIn(page);
    await page.waitForSelector('#logout:visible');
    const token = (await sessionCookie(context))?.value ?? '';
    assert.equal((await withCookie('GET', '/v1/me', token)).status, 200);
    await page.click('#logout');
    await page.waitForSelector('#login-notice:has-text("You have logged out")');
    assert.equal(await sessionCookie(context), undefined, 'the cookie is deleted');
    assert.equal((await withCookie('GET', '/v1/me', token)).status, 401, 'and the session ended server-side');
    // A reload shows the form, not the dashboard.
    await page.reload();
    await page.waitForSelector('#login-form');
    assert.deepEqual(pageErrors, []);
  });

  it('dark mode follows prefers-color-scheme; the toggle overrides it and persists across a reload; axe passes in dark', async () => {
    const { page } = await newPage({ colorScheme: 'dark' });
    await page.goto(`${apiUrl()}/ui/`);
    await page.waitForSelector('#login-form');
    assert.equal(await page.getAttribute('html', 'data-theme'), 'dark');
    assert.equal(await page.getAttribute('#theme-toggle', 'aria-pressed'), 'true');
    await assertAccessible(page, 'login form, dark');
    await logIn(page);
    await page.goto(`${apiUrl()}/ui/#/jobs`);
    await page.waitForSelector(`tr[data-job-id="${jobId}"]`);
    await assertAccessible(page, 'jobs page, dark');
    const darkBg = await js<string>(page, 'getComputedStyle(document.documentElement).backgroundColor');

    await page.click('#theme-toggle');
    assert.equal(await page.getAttribute('html', 'data-theme'), 'light');
    assert.equal(await page.getAttribute('#theme-toggle', 'aria-pressed'), 'false');
    assert.notEqual(await js<string>(page, 'getComputedStyle(document.documentElement).backgroundColor'), darkBg);
    await page.reload();
    await page.waitForSelector(`tr[data-job-id="${jobId}"]`);
    assert.equal(await page.getAttribute('html', 'data-theme'), 'light', 'the choice outlives a reload despite the dark system setting');
    assert.equal(await page.getAttribute('#theme-toggle', 'aria-pressed'), 'false');

    // A light system: light by default, dark once toggled, still dark after a reload.
    const light = await newPage({ colorScheme: 'light' });
    await light.page.goto(`${apiUrl()}/ui/`);
    await light.page.waitForSelector('#login-form');
    assert.equal(await light.page.getAttribute('html', 'data-theme'), 'light');
    await light.page.click('#theme-toggle');
    assert.equal(await light.page.getAttribute('html', 'data-theme'), 'dark');
    await light.page.reload();
    await light.page.waitForSelector('#login-form');
    assert.equal(await light.page.getAttribute('html', 'data-theme'), 'dark');
    assert.equal(await light.page.getAttribute('#theme-toggle', 'aria-pressed'), 'true');
    assert.deepEqual(pageErrors, []);
  });

  it('on a 390 px phone the pages fit the width, and the login works from the keyboard alone', async () => {
    const { page } = await newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await page.goto(`${apiUrl()}/ui/`);
    await page.waitForSelector('#login-form');
    const fits = () => js<boolean>(page, 'document.documentElement.scrollWidth <= window.innerWidth');
    assert.equal(await fits(), true, 'the login page scrolls sideways');
    // The form has the focus on load; Tab walks to the password and the button, Enter submits.
    assert.equal(await js<string>(page, 'document.activeElement?.id'), 'login-username');
    await page.keyboard.type(adminCredentials().username);
    await page.keyboard.press('Tab');
    assert.equal(await js<string>(page, 'document.activeElement?.id'), 'login-password');
    await page.keyboard.type(adminCredentials().password);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#whoami:not(:empty)');
    await page.goto(`${apiUrl()}/ui/#/jobs`);
    await page.waitForSelector(`tr[data-job-id="${jobId}"]`);
    assert.equal(await fits(), true, 'the jobs page scrolls sideways');
    await assertAccessible(page, 'jobs page on a phone');
    // Every header control is reachable with Tab and shows a focus outline.
    // From the top of the page: skip link, brand, the three pages and (an admin's) Audit, Log out, the theme toggle.
    await page.reload();
    await page.waitForSelector(`tr[data-job-id="${jobId}"]`);
    const seen = new Set<string>();
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Tab');
      const f = await js<{ key: string; outline: string } | null>(
        page,
        `(() => { const el = document.activeElement; return el && el !== document.body ? { key: el.id || el.getAttribute('href') || el.textContent || '', outline: getComputedStyle(el).outlineStyle } : null; })()`,
      );
      if (f) {
        seen.add(f.key.trim());
        assert.notEqual(f.outline, 'none', `focus visible on ${f.key}`);
      }
    }
    for (const key of ['#view', '#/', '#/runs', '#/jobs', 'nav-audit', 'logout', 'theme-toggle']) assert.ok(seen.has(key), `${key} reachable by Tab: ${[...seen].join(', ')}`);
    assert.deepEqual(pageErrors, []);
  });
});

describe('dashboard login on a stack with a 1 min idle time and 2 failed logins per user', { skip: chromiumMissing(), timeout: 300_000 }, () => {
  let stack: OwnStack;
  let browser: Browser;
  let creds: { username: string; password: string };

  before(async () => {
    stack = await startOwnStack({ env: { KAIROS_SESSION_IDLE_TTL: '1m', KAIROS_LOGIN_FAILURES_PER_USER: '2' } });
    const [username = '', password = ''] = Buffer.from(stack.auth.replace(/^Basic /, ''), 'base64').toString().split(':');
    creds = { username, password };
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('the throttle’s 429 shows its message; a session in use outlives its idle time, an idle one ends and the page says so', async () => {
    const context = await browser.newContext();
    context.setDefaultTimeout(30_000);
    const page = await context.newPage();
    await page.goto(`${stack.apiUrl}/ui/#/jobs`);
    await page.waitForSelector('#login-form');
    // A user of its own, so that the throttle never locks out the admin.
    const victim = { username: 'throttled', password: 'throttled-password' };
    const made = await fetch(`${stack.apiUrl}/v1/users`, { method: 'POST', headers: { authorization: stack.auth, 'content-type': 'application/json' }, body: JSON.stringify(victim) });
    assert.equal(made.status, 201);
    for (let i = 0; i < 3; i++) {
      await page.fill('#login-username', victim.username);
      await page.fill('#login-password', 'wrong');
      await page.click('#login-form button[type="submit"]');
      await page.waitForSelector('#login-error:not(:empty)');
      const text = (await page.textContent('#login-error')) ?? '';
      if (/too many failed logins; try again in \d+ s/.test(text)) break;
      assert.match(text, /wrong username or password/);
      assert.ok(i < 2, 'the third failure is throttled');
      await page.fill('#login-password', '');
      await page.evaluate('document.getElementById("login-error").textContent = ""');
    }
    assert.equal((await context.cookies(stack.apiUrl)).length, 0);

    await page.fill('#login-username', creds.username);
    await page.fill('#login-password', creds.password);
    await page.click('#login-form button[type="submit"]');
    await page.waitForSelector('#whoami:not(:empty)');
    // In use (the page polls every 4 s) for longer than the idle time: still logged in.
    const loggedInAt = Date.now();
    await waitFor(async () => Date.now() - loggedInAt > 75_000, 90_000, 'the idle time to pass while in use');
    assert.equal(await page.isVisible('#main-nav'), true, 'a session in use slides its expiry');
    // Idle: a hidden tab does not poll; after the idle time the next call is a 401 → the form.
    await page.evaluate(`Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true })`);
    const idleFrom = Date.now();
    await waitFor(async () => Date.now() - idleFrom > 65_000, 80_000, 'the idle time to pass');
    await page.evaluate(`Object.defineProperty(document, 'visibilityState', { value: 'visible', configurable: true }); document.dispatchEvent(new Event('visibilitychange'))`);
    await page.waitForSelector('#login-notice:has-text("session has ended")');
    await context.close();
  });
});
