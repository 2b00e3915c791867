// What the integration harness (scripts/run-tests.ts) hands to every test file.
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run integration tests through \`npm run test:integration\``);
  return v;
}

export const apiUrl = () => required('KAIROS_TEST_API_URL');
export const temporalAddress = () => required('KAIROS_TEST_TEMPORAL_ADDRESS');
/** Whether the shared stack's Temporal has a Web UI: the dev server does, the cluster (the PostgreSQL pass) has none. */
export const temporalHasWebUi = () => process.env.KAIROS_TEMPORAL !== 'cluster';
export const namespace = () => process.env.KAIROS_TEST_NAMESPACE ?? 'default';
export const taskQueue = () => process.env.KAIROS_TEST_TASK_QUEUE ?? 'kairos';
/** A directory datasource jobs may use (the stack's KAIROS_DATASOURCE_DIRS): tests put their files below it. */
export const filesDir = () => required('KAIROS_DATASOURCE_DIRS').split(':')[0] as string;
/** The API's and the worker's /metrics without credentials (KAIROS_METRICS_PORT, KAIROS_WORKER_METRICS_PORT). */
export const apiMetricsUrl = () => `http://127.0.0.1:${required('KAIROS_METRICS_PORT')}/metrics`;
export const workerMetricsUrl = () => `http://127.0.0.1:${required('KAIROS_WORKER_METRICS_PORT')}/metrics`;
export const adminAuth = () => `Basic ${Buffer.from(`${process.env.KAIROS_ADMIN_USER}:${process.env.KAIROS_ADMIN_PASSWORD}`).toString('base64')}`;

/** Unique ids so test files never collide on the shared server. */
export const uniqueId = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

export async function temporalClient(): Promise<Client> {
  const connection = await Connection.connect({ address: temporalAddress() });
  return new Client({ connection, namespace: namespace() });
}

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** A small HTTP client for the API under test (JSON in, JSON out, admin credentials by default). */
export async function api<T = Record<string, unknown>>(
  method: string,
  path: string,
  opts: { body?: unknown; rawBody?: string; auth?: string | null; headers?: Record<string, string>; /** Another stack's API (default: the harness's). */ baseUrl?: string } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  const auth = opts.auth === undefined ? adminAuth() : opts.auth;
  if (auth) headers.authorization = auth;
  let body: string | undefined = opts.rawBody;
  if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(`${opts.baseUrl ?? apiUrl()}${path}`, { method, headers, body, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}
