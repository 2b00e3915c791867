// The `http` driver: one HTTP request per attempt. A non-accepted status fails the attempt: 4xx
// (except 408, 425, 429) is final, anything else is retried per the job's `retry`. Stop (cancellation)
// and the per-attempt timeout both abort the request in flight, so the target sees the connection drop.
// Every connection goes through the egress policy (core/net): a refused one fails the run at once.
import { ApplicationFailure } from '@temporalio/common';
import type { Response } from 'undici';
import { parseDurationMs } from '../core/duration.ts';
import { egressFetch } from '../core/net/connect.ts';
import { egressDenial } from '../core/net/egress.ts';
import { withClientSpan } from '../core/telemetry/tracing.ts';
import type { DriverImpl, DriverRuntime } from './driver.ts';
import { HttpDataSchema, type HttpData } from '../core/drivers/http.ts';

export interface HttpOutput {
  status: number;
  headers: Record<string, string>;
  body: string;
  truncated: boolean;
  durationMs: number;
  /** The request as the job wrote it: a secret reference stays `{"$secret": "NAME"}`. */
  request: { method: string; url: unknown; query?: Record<string, unknown>; headers: Record<string, unknown>; body?: unknown };
}

/** The request as written (`written`: the job's data with its secret references), for the run record. */
function recordedRequest(data: HttpData, headers: Record<string, string>, body: string | undefined, written: unknown): HttpOutput['request'] {
  const w = (typeof written === 'object' && written !== null ? written : data) as Partial<Record<keyof HttpData, unknown>>;
  const query = w.query && typeof w.query === 'object' && Object.keys(w.query).length > 0 ? (w.query as Record<string, unknown>) : undefined;
  const writtenHeaders = w.headers && typeof w.headers === 'object' ? (w.headers as Record<string, unknown>) : {};
  const added = Object.fromEntries(Object.entries(headers).filter(([k]) => !Object.hasOwn(writtenHeaders, k)));
  return { method: data.method, url: w.url ?? data.url, ...(query ? { query } : {}), headers: { ...added, ...writtenHeaders }, ...(body !== undefined ? { body: w.body } : {}) };
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** 4xx answers that are worth another attempt. */
const RETRYABLE_4XX = new Set([408, 425, 429]);

/** Reads at most `cap` bytes of the body (the rest is discarded); `truncated` when there was more. */
async function readCapped(res: Response, cap: number): Promise<{ body: string; truncated: boolean }> {
  if (!res.body) return { body: '', truncated: false };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const room = cap - size;
    if (value.byteLength > room) {
      chunks.push(value.subarray(0, room));
      size = cap;
      truncated = true;
      await reader.cancel().catch(() => {});
      break;
    }
    chunks.push(value);
    size += value.byteLength;
  }
  return { body: Buffer.concat(chunks).toString('utf8'), truncated };
}

export async function httpRequest(data: HttpData, rt: Pick<DriverRuntime, 'signal' | 'progress'> & { written?: unknown }): Promise<HttpOutput> {
  const url = new URL(data.url);
  for (const [k, v] of Object.entries(data.query)) url.searchParams.set(k, v);
  const headers: Record<string, string> = { 'user-agent': 'kairos', ...data.headers };
  let body: string | undefined;
  if (data.body !== undefined && data.method !== 'GET' && data.method !== 'HEAD') {
    if (typeof data.body === 'string') body = data.body;
    else {
      body = JSON.stringify(data.body);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    }
  }
  const timeoutMs = data.timeout ? (parseDurationMs(data.timeout) ?? DEFAULT_TIMEOUT_MS) : (data.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = AbortSignal.any([rt.signal, timeout]);
  const request = recordedRequest(data, headers, body, rt.written);
  const started = performance.now();
  rt.progress({ done: 0, total: 1, unit: 'requests', message: `${data.method} ${url.origin}${url.pathname}` });
  let res: Response;
  let captured: { body: string; truncated: boolean };
  try {
    // The request joins the run's trace (a `traceparent` header) unless the job sets its own.
    const ownTrace = Object.keys(headers).some((h) => h.toLowerCase() === 'traceparent');
    res = await withClientSpan(
      data.method,
      { 'http.request.method': data.method, 'url.full': `${url.origin}${url.pathname}`, 'server.address': url.hostname },
      (trace) => egressFetch(url, { method: data.method, headers: ownTrace ? headers : { ...headers, ...trace }, body, signal, redirect: 'follow' }),
      (r) => ({ 'http.response.status_code': r.status }),
    );
    captured = await readCapped(res, data.maxCaptureBytes);
  } catch (err) {
    if (rt.signal.aborted) throw err; // stopped: the wrapper reports the cancellation
    const denied = egressDenial(err);
    if (denied) throw ApplicationFailure.create({ message: denied.message, type: 'EgressDenied', nonRetryable: true });
    if (timeout.aborted) throw ApplicationFailure.retryable(`${data.method} ${url.origin}${url.pathname} timed out after ${timeoutMs} ms`, 'HttpTimeout');
    const e = err as Error & { cause?: { code?: string; message?: string } };
    throw ApplicationFailure.retryable(
      `${data.method} ${url.origin}${url.pathname} failed: ${e.cause?.code ?? e.cause?.message ?? e.message}`,
      'HttpNetworkError',
    );
  }
  const output: HttpOutput = {
    status: res.status,
    headers: Object.fromEntries(res.headers),
    body: captured.body,
    truncated: captured.truncated,
    durationMs: Math.round(performance.now() - started),
    request,
  };
  rt.progress({ done: 1, total: 1, unit: 'requests' });
  const accepted = data.acceptStatus ? data.acceptStatus.includes(res.status) : res.status >= 200 && res.status < 300;
  if (!accepted) {
    const message = `${data.method} ${url.origin}${url.pathname} answered ${res.status}`;
    const final = data.finalStatus
      ? data.finalStatus.includes(res.status)
      : res.status >= 400 && res.status < 500 && !RETRYABLE_4XX.has(res.status);
    throw ApplicationFailure.create({ message, type: `HttpStatus${res.status}`, nonRetryable: final, details: [{ output }] });
  }
  return output;
}

export const httpDriver: DriverImpl<typeof HttpDataSchema> = {
  type: 'http',
  schema: HttpDataSchema,
  run: (data, rt) => httpRequest(data, rt),
};
