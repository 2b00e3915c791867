// The `http` driver: one HTTP request per attempt. A non-accepted status fails the attempt, so
// Temporal's retry policy (the job's `retry`) decides what happens next.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import type { DriverContext } from '../core/runs/types.ts';

export const HttpDataSchema = z
  .object({
    url: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }),
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']).default('GET'),
    query: z.record(z.string(), z.string()).default({}),
    headers: z.record(z.string(), z.string()).default({}),
    body: z.unknown().optional(),
    acceptStatus: z.array(z.number().int().min(100).max(599)).optional().describe('default: any 2xx'),
    timeoutMs: z.number().int().min(1).max(3_600_000).default(30_000),
    maxCaptureBytes: z.number().int().min(0).max(1_048_576).default(65_536),
  })
  .strict();
export type HttpData = z.output<typeof HttpDataSchema>;

export interface HttpOutput {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  truncated?: boolean;
}

export async function http(rawData: unknown, ctx: DriverContext): Promise<HttpOutput> {
  const data = HttpDataSchema.parse(rawData);
  const url = new URL(data.url);
  for (const [k, v] of Object.entries(data.query)) url.searchParams.set(k, v);
  const headers: Record<string, string> = { 'user-agent': 'kairos', ...data.headers };
  let body: string | undefined;
  if (data.body !== undefined && data.method !== 'GET' && data.method !== 'HEAD') {
    if (typeof data.body === 'string') body = data.body;
    else {
      body = JSON.stringify(data.body);
      headers['content-type'] ??= 'application/json';
    }
  }
  // Cancellation (stop) and the per-attempt timeout both abort the request in flight.
  const signal = AbortSignal.any([Context.current().cancellationSignal, AbortSignal.timeout(data.timeoutMs)]);
  const res = await fetch(url, { method: data.method, headers, body, signal });
  const text = await res.text();
  const accepted = data.acceptStatus ? data.acceptStatus.includes(res.status) : res.status >= 200 && res.status < 300;
  if (!accepted) {
    throw ApplicationFailure.retryable(`${data.method} ${url.origin}${url.pathname} answered ${res.status}`, `HttpStatus${res.status}`, {
      status: res.status,
    });
  }
  if (ctx.historyStrategy === 'OFF' || ctx.historyStrategy === 'MINIMAL' || ctx.historyStrategy === 'ERROR') return { status: res.status };
  const truncated = Buffer.byteLength(text) > data.maxCaptureBytes;
  return {
    status: res.status,
    headers: Object.fromEntries(res.headers),
    body: truncated ? Buffer.from(text).subarray(0, data.maxCaptureBytes).toString() : text,
    truncated,
  };
}
