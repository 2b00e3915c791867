// Configuration comes from the environment (and a `.env` file, and for Temporal's connection a
// Temporal profile file), is validated once at start-up, and is immutable after.
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { parseEnv } from 'node:util';
import { loadClientConfigProfile, type ClientConfigProfile, type ConfigDataSource } from '@temporalio/envconfig';
import { z } from 'zod';
import { parseDurationMs } from './duration.ts';
import { parseEgressEntries, type EgressEntry } from './net/egress.ts';
import { trimEndChar } from './text.ts';

const PORT_RULE = { error: 'must be a port number from 1 to 65535' };
const portNumber = z.coerce.number(PORT_RULE).int(PORT_RULE).min(1, PORT_RULE).max(65535, PORT_RULE);
const port = (fallback: number) => portNumber.default(fallback);
const optionalPort = portNumber.optional();
const nonEmpty = z.string().trim().min(1);
const QUOTA_RULE = { error: 'must be a whole number (0 = unlimited)' };
const quota = (fallback: number) => z.coerce.number(QUOTA_RULE).int(QUOTA_RULE).min(0, QUOTA_RULE).default(fallback);
const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no'])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

/** KAIROS_EGRESS_ALLOW / KAIROS_EGRESS_DENY: comma-separated CIDRs, hosts, host:port or host:port-port. */
const egressEntries = z
  .string()
  .optional()
  .transform((v, ctx) => {
    try {
      return parseEgressEntries(v);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `${(err as Error).message}; expected comma-separated CIDRs, hosts, host:port or host:port-port ([::1]:80 for IPv6)` });
      return z.NEVER;
    }
  });

/** OTLP over HTTP only: gRPC would add a second transport stack for what a collector also takes over HTTP. */
const otlpProtocol = z.enum(['http/protobuf', 'http/json'], { error: 'must be "http/protobuf" or "http/json" (OTLP over gRPC is not supported: use the collector\'s HTTP port, 4318)' }).optional();

const EnvSchema = z.object({
  KAIROS_HOST: nonEmpty.default('127.0.0.1'),
  KAIROS_PORT: port(8080),
  KAIROS_DATA_DIR: nonEmpty.default('./data'),
  KAIROS_TEMPORAL_PORT: port(7233),
  KAIROS_UI_PORT: port(8233),
  KAIROS_TEMPORAL_HTTP_PORT: port(7243),
  KAIROS_TEMPORAL_METRICS_PORT: port(7244),
  KAIROS_TEMPORAL_UI: z.enum(['on', 'off'], { error: 'must be "on" or "off"' }).default('on'),
  KAIROS_TEMPORAL: z.enum(['dev', 'cluster'], { error: 'must be "dev" (the dev server, SQLite) or "cluster" (four Temporal services on PostgreSQL)' }).default('dev'),
  KAIROS_TEMPORAL_DB_URL: nonEmpty
    .refine((v) => /^postgres(?:ql)?:\/\/\S+$/.test(v) && URL.canParse(v), 'must be a postgres:// or postgresql:// URL')
    .default('postgres://postgres@127.0.0.1:5432/postgres'),
  KAIROS_TEMPORAL_DB_NAME: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,51}$/, 'must be a PostgreSQL database name: letters, digits and underscores, at most 52')
    .default('temporal'),
  KAIROS_TEMPORAL_HISTORY_SHARDS: z.coerce
    .number({ error: 'must be a whole number from 1 to 16384' })
    .int('must be a whole number from 1 to 16384')
    .min(1, 'must be a whole number from 1 to 16384')
    .max(16384, 'must be a whole number from 1 to 16384')
    .default(4),
  KAIROS_TEMPORAL_INTERNAL_PORTS: z
    .string()
    .trim()
    .regex(/^(?:\d{1,5}(?:\s*,\s*\d{1,5})*)?$/, 'must be comma-separated port numbers')
    .refine((v) => splitList(v).every((p) => Number(p) >= 1 && Number(p) <= 65535), 'must be comma-separated port numbers from 1 to 65535')
    .default(''),
  KAIROS_EGRESS_ALLOW: egressEntries,
  KAIROS_EGRESS_DENY: egressEntries,
  KAIROS_TASK_QUEUE: nonEmpty.default('kairos'),
  KAIROS_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  KAIROS_BODY_LIMIT: nonEmpty.default('2mb'),
  KAIROS_WORKER_MAX_HEAP_MB: z.coerce.number({ error: 'must be a number of MB' }).int().min(128, 'must be at least 128').default(512),
  KAIROS_WORKER_STANDBY: bool.default(true),
  KAIROS_ADMIN_USER: nonEmpty.optional(),
  KAIROS_ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
  KAIROS_FUSION_PORT: optionalPort,
  KAIROS_DAPR_APP_URL: z.url().optional(),
  KAIROS_DAPR_API_TOKEN: nonEmpty.optional(),
  KAIROS_DAPR_PORT: optionalPort,
  KAIROS_DAPR_APP_URLS: z
    .string()
    .trim()
    .regex(/^(?:[A-Za-z0-9][A-Za-z0-9._-]*=https?:\/\/[^\s,]+)(?:\s*,\s*[A-Za-z0-9][A-Za-z0-9._-]*=https?:\/\/[^\s,]+)*$/, 'must be "appId=http://host:port,…"')
    .optional(),
  KAIROS_DAPR_APP_API_TOKEN_SECRET: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'must be a secret name').optional(),
  KAIROS_VOLTMX_SERVER_URL: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).optional(),
  // Alerts (core/alerts): the operator's SMTP server for e-mail channels, the sender, and the
  // address alert links point at (the API as users reach it, e.g. behind a proxy).
  KAIROS_SMTP_URL: z.url({ protocol: /^smtps?$/, message: 'must be an smtp:// or smtps:// URL (credentials, if any, in the URL)' }).optional(),
  KAIROS_ALERT_FROM: nonEmpty.optional(),
  KAIROS_PUBLIC_URL: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).optional(),
  KAIROS_QUOTA_JOBS: quota(1000),
  KAIROS_QUOTA_CONCURRENT_RUNS: quota(20),
  KAIROS_VOLTMX_TOKEN_TTL: z
    .string()
    .refine((v) => (parseDurationMs(v) ?? 0) >= 1000, 'must be a duration of at least 1s, such as "1h" or "PT30M"')
    .default('1h'),
  KAIROS_DATASOURCE_DIRS: z.string().trim().optional(),
  KAIROS_DATASOURCE_STATEMENT_TIMEOUT: z
    .string()
    .refine((v) => (parseDurationMs(v) ?? 0) >= 1000, 'must be a duration of at least 1s, such as "5m" or "PT30S"')
    .default('5m'),
  KAIROS_TRUSTED_ORIGINS: z
    .string()
    .refine((v) => splitList(v).every((o) => URL.canParse(o) && new URL(o).origin !== 'null'), 'must be comma-separated origins such as https://kairos.example.com')
    .default(''),
  KAIROS_LOGIN_FAILURES_PER_USER: z.coerce.number({ error: 'must be a number' }).int().min(1, 'must be at least 1').default(5),
  KAIROS_LOGIN_FAILURES_PER_ADDRESS: z.coerce.number({ error: 'must be a number' }).int().min(1, 'must be at least 1').default(20),
  KAIROS_LOGIN_THROTTLE_WINDOW: z
    .string()
    .refine((v) => (parseDurationMs(v) ?? 0) >= 1000, 'must be a duration of at least 1s, such as "15m"')
    .default('15m'),
  KAIROS_SESSION_IDLE_TTL: z
    .string()
    .refine((v) => (parseDurationMs(v) ?? 0) >= 60_000, 'must be a duration of at least 1m, such as "8h" or "PT30M"')
    .default('8h'),
  KAIROS_SESSION_MAX_TTL: z
    .string()
    .refine((v) => (parseDurationMs(v) ?? 0) >= 60_000, 'must be a duration of at least 1m, such as "168h" or "P7D"')
    .default('168h'),
  TEMPORAL_ADDRESS: nonEmpty.optional(),
  TEMPORAL_NAMESPACE: nonEmpty.optional(),
  KAIROS_TEMPORAL_SETUP: z.enum(['auto', 'check'], { error: 'must be "auto" or "check"' }).default('auto'),
  TEMPORAL_TLS: bool.optional(),
  TEMPORAL_TLS_CERT: nonEmpty.optional(),
  TEMPORAL_TLS_KEY: nonEmpty.optional(),
  TEMPORAL_TLS_CA: nonEmpty.optional(),
  TEMPORAL_TLS_SERVER_NAME: nonEmpty.optional(),
  TEMPORAL_API_KEY: nonEmpty.optional(),
  // --- config sources (#16): Temporal's connection under the names of Temporal's own tools
  // (@temporalio/envconfig); TEMPORAL_TLS_CERT / _KEY / _CA above stay accepted.
  TEMPORAL_TLS_CLIENT_CERT_PATH: nonEmpty.optional(),
  TEMPORAL_TLS_CLIENT_CERT_DATA: nonEmpty.optional(),
  TEMPORAL_TLS_CLIENT_KEY_PATH: nonEmpty.optional(),
  TEMPORAL_TLS_CLIENT_KEY_DATA: nonEmpty.optional(),
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: nonEmpty.optional(),
  TEMPORAL_TLS_SERVER_CA_CERT_DATA: nonEmpty.optional(),
  TEMPORAL_PROFILE: nonEmpty.optional(),
  TEMPORAL_CONFIG_FILE: nonEmpty.optional(),
  KAIROS_DATABASE_URL: nonEmpty
    .refine((v) => /^postgres(?:ql)?:\/\//.test(v), 'must be a postgres:// or postgresql:// URL (leave it unset for the embedded SQLite file)')
    .optional(),
  KAIROS_DATABASE_POOL: z.coerce.number().int().min(1).max(1000).default(10),
  // Never echoed in a message: it is the key to every stored secret.
  KAIROS_SECRET_KEY: z
    .string()
    .refine((v) => secretKeyBytes(v) !== undefined, 'must be 32 bytes as base64 (44 characters, e.g. from `openssl rand -base64 32`) or as 64 hex characters')
    .optional(),
  // --- Fire times that did not run (#17, core/runs/recorder.ts): how often the API looks, and how
  // long after a fire time was due it is judged (the scheduler's and visibility's delay).
  KAIROS_RUN_SKIPS_INTERVAL: z
    .string()
    .refine((v) => (parseDurationMs(v) ?? 0) >= 1000, 'must be a duration of at least 1s, such as "1m" or "PT30S"')
    .default('1m'),
  KAIROS_RUN_SKIPS_SETTLE: z
    .string()
    .refine((v) => (parseDurationMs(v) ?? 0) >= 1000, 'must be a duration of at least 1s, such as "30s"')
    .default('30s'),
  KAIROS_AUDIT_RETENTION: z
    .string()
    .refine((v) => (parseDaysOrDurationMs(v) ?? 0) >= 60_000, 'must be a duration of at least 1m, such as "90d", "2160h" or "P90D"')
    .default('90d'),
  // --- Temporal Web UI (#16): where the dashboard links runs and schedules on a cluster or any
  // Temporal whose Web UI Kairos did not start (its address is not something Kairos can know).
  KAIROS_TEMPORAL_UI_URL: z
    .url({ protocol: /^https?$/, message: 'must be an http(s) URL such as https://temporal.example.com' })
    .transform((v) => v.replace(/\/$/, ''))
    .optional(),
  // --- tracing & logs (#16): OpenTelemetry's own variable names, so a collector's usual setup applies.
  OTEL_SDK_DISABLED: bool.optional(),
  OTEL_TRACES_EXPORTER: z.enum(['otlp', 'none'], { error: 'must be "otlp" or "none" (the only trace exporters Kairos has)' }).optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://localhost:4318' }).optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://localhost:4318/v1/traces' }).optional(),
  OTEL_EXPORTER_OTLP_PROTOCOL: otlpProtocol,
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: otlpProtocol,
  OTEL_SERVICE_NAME: nonEmpty.optional(),
  // --- metrics (#16)
  // Prometheus endpoints without credentials, each on an address of its own: off unless a port is set.
  KAIROS_METRICS_HOST: nonEmpty.default('127.0.0.1'),
  KAIROS_METRICS_PORT: optionalPort,
  KAIROS_WORKER_METRICS_HOST: nonEmpty.default('127.0.0.1'),
  KAIROS_WORKER_METRICS_PORT: optionalPort,
});

/** Where Kairos keeps its own state (users, keys, secrets, shares, versions, audit): see core/db. */
export interface DatabaseConfig {
  /** A PostgreSQL URL (KAIROS_DATABASE_URL), for several machines; unset: the embedded SQLite file. */
  url?: string;
  /** Connections per process to PostgreSQL (KAIROS_DATABASE_POOL, default 10). */
  poolSize: number;
  /** The SQLite file lives here (`kairos.db`), and the files of an older data dir are imported from here. */
  dataDir: string;
  /**
   * The key that encrypts secrets at rest (KAIROS_SECRET_KEY, 32 bytes); unset: the key file
   * `<dataDir>/secret.key`, made on the first start (core/secrets/cipher.ts).
   */
  secretKey?: Buffer;
}

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  taskQueue: string;
  logLevel: string;
  bodyLimit: string;
  /** Origins besides the API's own that may send state-changing requests (behind a TLS proxy). */
  trustedOrigins: string[];
  loginThrottle: LoginThrottleConfig;
  /** Dashboard login sessions (core/auth/sessions.ts). */
  sessions: SessionConfig;
  /** V8 old-space limit of worker processes that Kairos starts (`--max-old-space-size`). */
  workerMaxHeapMb: number;
  /**
   * Whether `npm start` keeps a standby worker beside the active one (worker/standby.ts): loaded and
   * connected, it takes over within a fraction of a second when the active worker dies. Costs one
   * more worker process's memory; `KAIROS_WORKER_STANDBY=0` turns it off.
   */
  workerStandby: boolean;
  admin: { user?: string; password?: string };
  fusionPort?: number;
  /** What jobs may connect to (core/net/policy.ts adds the always-denied endpoints and default deny). */
  egress: { allow: EgressEntry[]; deny: EgressEntry[] };
  dapr: {
    appUrl?: string;
    /** Checked as `dapr-api-token` on KAIROS_DAPR_PORT (Dapr's DAPR_API_TOKEN). */
    apiToken?: string;
    /** Serves the Dapr routes at the root of this port. */
    port?: number;
    /** Per app id delivery address (KAIROS_DAPR_APP_URLS="orders=http://…,billing=http://…"). */
    appUrls: Record<string, string>;
    /** Name of the Kairos secret sent to the app as `dapr-api-token` (Dapr's APP_API_TOKEN). */
    appApiTokenSecret?: string;
  };
  voltmx: {
    /** The Volt MX Foundry server whose services Volt MX jobs call (`SERVER_URL` execution). */
    serverUrl?: string;
    /** How long a login's claims token is valid. */
    tokenTtlMs: number;
  };
  datasource: DatasourceConfig;
  /** Kairos's own state (core/db): PostgreSQL when `url` is set, else the SQLite file `<dataDir>/kairos.db`. */
  database: DatabaseConfig;
  /** The audit log (core/audit): events older than the retention are deleted. */
  audit: { retentionMs: number };
  /** The recorder of fire times that did not run (core/runs/recorder.ts). */
  runSkips: { intervalMs: number; settleMs: number };
  /** OpenTelemetry traces (core/telemetry/tracing.ts); off unless an OTLP exporter is configured. */
  tracing: TracingConfig;
  /** Alerts (core/alerts): e-mail over the operator's SMTP server, and the base of the links in alerts. */
  alerts: AlertsConfig;
  /** Per-owner limits (0 = unlimited); see core/quotas. */
  quotas: {
    /** Jobs (schedules, drafts included) one owner may have. */
    jobs: number;
    /** Runs of one owner's jobs that may be running at once. */
    concurrentRuns: number;
  };
  /**
   * Prometheus `/metrics` served without credentials (api/metrics.ts, worker/index.ts): each is set
   * only when its port is (KAIROS_METRICS_PORT, KAIROS_WORKER_METRICS_PORT). The API's metrics are
   * also at `/metrics` on the main port, for admins.
   */
  metrics: { api?: MetricsBind; worker?: MetricsBind };
  temporal: {
    /**
     * Which Temporal: `dev` the CLI dev server Kairos starts (default), `cluster` the PostgreSQL-backed
     * cluster Kairos starts (KAIROS_TEMPORAL=cluster, scripts/temporal-cluster.ts), `external` the one at
     * TEMPORAL_ADDRESS (which wins over KAIROS_TEMPORAL).
     */
    mode: 'dev' | 'cluster' | 'external';
    /** true when Kairos starts its own Temporal (mode dev or cluster: no TEMPORAL_ADDRESS given). */
    embedded: boolean;
    address: string;
    namespace: string;
    /** KAIROS_TEMPORAL_SETUP: create the namespace and search attributes at start (`auto`) or only check them. */
    setup: 'auto' | 'check';
    port: number;
    uiPort: number;
    /** The dev server's HTTP API port (it would pick a random one otherwise; the egress policy denies it). */
    httpPort: number;
    /** The dev server's metrics port (same reason). */
    metricsPort: number;
    /** Whether the dev server serves its Web UI (KAIROS_TEMPORAL_UI=off starts it headless; the cluster has none). */
    ui: boolean;
    /** KAIROS_TEMPORAL_UI_URL: Temporal Web UI's address for the dashboard's links (no trailing slash), when set. */
    uiUrl: string | undefined;
    /** The cluster Kairos starts in mode `cluster`. */
    cluster: {
      /** Where its databases are created (KAIROS_TEMPORAL_DB_URL). */
      dbUrl: string;
      /** Its persistence database; visibility is `<dbName>_visibility` (KAIROS_TEMPORAL_DB_NAME). */
      dbName: string;
      /** KAIROS_TEMPORAL_HISTORY_SHARDS: fixed when the database is first set up. */
      historyShards: number;
    };
    /**
     * Ports of a Temporal on this machine besides the frontend (a cluster's history, matching and
     * worker services, ringpop): denied to jobs like the frontend (KAIROS_TEMPORAL_INTERNAL_PORTS,
     * set by the launcher in cluster mode).
     */
    internalPorts: number[];
    /** Client certificate and key (mTLS), CA bundle: each a file or PEM text. */
    tls?: { cert?: PemSource; key?: PemSource; ca?: PemSource; serverName?: string };
    apiKey?: string;
  };
}

/** What alert delivery needs from the operator (core/alerts/deliver.ts). */
export interface AlertsConfig {
  /** KAIROS_SMTP_URL: e-mail channels are refused at save while it is unset. */
  smtpUrl?: string;
  /** KAIROS_ALERT_FROM: the sender of alert e-mails (default `kairos@<host of the public URL>`). */
  from: string;
  /** KAIROS_PUBLIC_URL without a trailing slash (default `http://KAIROS_HOST:KAIROS_PORT`): alert links start with it. */
  publicUrl: string;
}

/** Where traces go: OTLP over HTTP, from OpenTelemetry's standard variables. */
export interface TracingConfig {
  /** OTEL_TRACES_EXPORTER=otlp, or an OTLP endpoint set; never with OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none. */
  enabled: boolean;
  /** The traces URL: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is, or OTEL_EXPORTER_OTLP_ENDPOINT + `/v1/traces` (default http://localhost:4318). */
  url: string;
  /** OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL: protobuf (OpenTelemetry's default) or JSON. */
  protocol: 'http/protobuf' | 'http/json';
  /** OTEL_SERVICE_NAME; absent: each process names itself (kairos-api, kairos-worker). */
  serviceName?: string;
}

/** Where datasource jobs may read and write files, and how long one PostgreSQL source statement may run. */
export interface DatasourceConfig {
  /** Absolute, normalized directories (KAIROS_DATASOURCE_DIRS; default `<dataDir>/files`). */
  dirs: string[];
  /** The Kairos data directory: off limits to jobs but for a files dir inside it. */
  dataDir: string;
  /** `SET LOCAL statement_timeout` of every PostgreSQL source query (KAIROS_DATASOURCE_STATEMENT_TIMEOUT). */
  statementTimeoutMs: number;
}

/** Where a metrics endpoint listens. */
export interface MetricsBind {
  host: string;
  port: number;
}

/** How long a dashboard login session lasts. */
export interface SessionConfig {
  /** Unused this long, it ends (KAIROS_SESSION_IDLE_TTL, default 8 h); every use slides it. */
  idleTtlMs: number;
  /** It ends this long after the login, however much it is used (KAIROS_SESSION_MAX_TTL, default 7 d). */
  maxTtlMs: number;
}

/** How failed logins are throttled (core/auth/throttle.ts). */
export interface LoginThrottleConfig {
  /** Failed logins of one username within `windowMs` before its logins are refused. */
  failuresPerUser: number;
  /** Failed logins from one client address within `windowMs` before its logins are refused. */
  failuresPerAddress: number;
  windowMs: number;
}

const splitList = (v: string): string[] =>
  v
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');

export class ConfigError extends Error {}

/**
 * KAIROS_SECRET_KEY's bytes: 32 of them as base64 (standard or URL alphabet, padding optional) or
 * as 64 hex characters; undefined for anything else.
 */
export function secretKeyBytes(text: string): Buffer | undefined {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/]{43}=?$/.test(t)) return Buffer.from(t, 'base64');
  if (/^[A-Za-z0-9_-]{43}=?$/.test(t)) return Buffer.from(t, 'base64url');
  return undefined;
}

const within = (p: string, dir: string) => p === dir || p.startsWith(dir === sep ? dir : `${dir}${sep}`);
/** Kernel and device trees: never a place for job files, whatever the operator writes. */
export const SYSTEM_TREES = ['/proc', '/dev', '/sys'] as const;

/** KAIROS_DATASOURCE_DIRS, checked: absolute, no `..`, neither a system tree nor the data dir or one above it. */
function datasourceDirs(value: string | undefined, dataDir: string): string[] {
  const entries = (value ?? '').split(':').filter((d) => d.trim() !== '');
  if (entries.length === 0) return [join(dataDir, 'files')];
  return entries.map((d) => {
    const bad = (why: string) => new ConfigError(`invalid configuration:\n  KAIROS_DATASOURCE_DIRS: '${d}' ${why}`);
    if (!isAbsolute(d)) throw bad('must be an absolute directory');
    if (d.split('/').includes('..')) throw bad('must not contain ".."');
    const dir = resolve(d);
    if (SYSTEM_TREES.some((t) => within(dir, t))) throw bad('is a system tree (/proc, /dev, /sys)');
    if (within(dataDir, dir)) throw bad(`would open the data directory (${dataDir}) to jobs: use a directory beside it or inside it`);
    return dir;
  });
}

const DAY_MS = 86_400_000;

/** A duration, or whole days as retentions are usually written ("90d"). */
function parseDaysOrDurationMs(text: string): number | undefined {
  const days = /^\s*(\d{1,5})d\s*$/.exec(text)?.[1];
  return days === undefined ? parseDurationMs(text) : Number(days) * DAY_MS;
}

/** The alert settings, with their defaults. */
function alertsConfig(e: z.output<typeof EnvSchema>): AlertsConfig {
  const publicUrl = trimEndChar(e.KAIROS_PUBLIC_URL ?? `http://${e.KAIROS_HOST.includes(':') ? `[${e.KAIROS_HOST}]` : e.KAIROS_HOST}:${e.KAIROS_PORT}`, '/');
  return { smtpUrl: e.KAIROS_SMTP_URL, from: e.KAIROS_ALERT_FROM ?? `kairos@${new URL(publicUrl).hostname.replace(/^\[|\]$/g, '') || 'localhost'}`, publicUrl };
}

/** The trace exporter's settings as OpenTelemetry's SDKs read the same variables. */
function tracingConfig(e: z.output<typeof EnvSchema>): TracingConfig {
  const exporter = e.OTEL_TRACES_EXPORTER ?? (e.OTEL_EXPORTER_OTLP_ENDPOINT || e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ? 'otlp' : 'none');
  const base = trimEndChar(e.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://localhost:4318', '/');
  return {
    enabled: exporter === 'otlp' && e.OTEL_SDK_DISABLED !== true,
    url: e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? `${base}/v1/traces`,
    protocol: e.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? e.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf',
    serviceName: e.OTEL_SERVICE_NAME,
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const t = temporalConnection(e, env);
  const dataDir = resolve(e.KAIROS_DATA_DIR);
  return {
    host: e.KAIROS_HOST,
    port: e.KAIROS_PORT,
    dataDir,
    taskQueue: e.KAIROS_TASK_QUEUE,
    logLevel: e.KAIROS_LOG_LEVEL,
    bodyLimit: e.KAIROS_BODY_LIMIT,
    trustedOrigins: splitList(e.KAIROS_TRUSTED_ORIGINS).map((o) => new URL(o).origin),
    loginThrottle: {
      failuresPerUser: e.KAIROS_LOGIN_FAILURES_PER_USER,
      failuresPerAddress: e.KAIROS_LOGIN_FAILURES_PER_ADDRESS,
      windowMs: parseDurationMs(e.KAIROS_LOGIN_THROTTLE_WINDOW) ?? 900_000,
    },
    sessions: {
      idleTtlMs: parseDurationMs(e.KAIROS_SESSION_IDLE_TTL) ?? 8 * 3_600_000,
      maxTtlMs: parseDurationMs(e.KAIROS_SESSION_MAX_TTL) ?? 7 * 24 * 3_600_000,
    },
    workerMaxHeapMb: e.KAIROS_WORKER_MAX_HEAP_MB,
    workerStandby: e.KAIROS_WORKER_STANDBY,
    admin: { user: e.KAIROS_ADMIN_USER, password: e.KAIROS_ADMIN_PASSWORD },
    fusionPort: e.KAIROS_FUSION_PORT,
    egress: { allow: e.KAIROS_EGRESS_ALLOW, deny: e.KAIROS_EGRESS_DENY },
    dapr: {
      appUrl: e.KAIROS_DAPR_APP_URL,
      apiToken: e.KAIROS_DAPR_API_TOKEN,
      port: e.KAIROS_DAPR_PORT,
      appUrls: Object.fromEntries(
        (e.KAIROS_DAPR_APP_URLS ?? '')
          .split(',')
          .map((pair) => pair.trim())
          .filter(Boolean)
          .map((pair) => [pair.slice(0, pair.indexOf('=')), trimEndChar(pair.slice(pair.indexOf('=') + 1), '/')]),
      ),
      appApiTokenSecret: e.KAIROS_DAPR_APP_API_TOKEN_SECRET,
    },
    alerts: alertsConfig(e),
    voltmx: { serverUrl: e.KAIROS_VOLTMX_SERVER_URL === undefined ? undefined : trimEndChar(e.KAIROS_VOLTMX_SERVER_URL, '/'), tokenTtlMs: parseDurationMs(e.KAIROS_VOLTMX_TOKEN_TTL) ?? 3_600_000 },
    datasource: {
      dirs: datasourceDirs(e.KAIROS_DATASOURCE_DIRS, dataDir),
      dataDir,
      statementTimeoutMs: parseDurationMs(e.KAIROS_DATASOURCE_STATEMENT_TIMEOUT) ?? 300_000,
    },
    database: {
      url: e.KAIROS_DATABASE_URL,
      poolSize: e.KAIROS_DATABASE_POOL,
      dataDir,
      ...(e.KAIROS_SECRET_KEY === undefined ? {} : { secretKey: secretKeyBytes(e.KAIROS_SECRET_KEY) }),
    },
    audit: { retentionMs: parseDaysOrDurationMs(e.KAIROS_AUDIT_RETENTION) ?? 90 * DAY_MS },
    runSkips: { intervalMs: parseDurationMs(e.KAIROS_RUN_SKIPS_INTERVAL) ?? 60_000, settleMs: parseDurationMs(e.KAIROS_RUN_SKIPS_SETTLE) ?? 30_000 },
    tracing: tracingConfig(e),
    quotas: { jobs: e.KAIROS_QUOTA_JOBS, concurrentRuns: e.KAIROS_QUOTA_CONCURRENT_RUNS },
    metrics: {
      ...(e.KAIROS_METRICS_PORT === undefined ? {} : { api: { host: e.KAIROS_METRICS_HOST, port: e.KAIROS_METRICS_PORT } }),
      ...(e.KAIROS_WORKER_METRICS_PORT === undefined ? {} : { worker: { host: e.KAIROS_WORKER_METRICS_HOST, port: e.KAIROS_WORKER_METRICS_PORT } }),
    },
    temporal: {
      mode: t.address !== undefined ? 'external' : e.KAIROS_TEMPORAL,
      embedded: t.address === undefined,
      address: t.address ?? `127.0.0.1:${e.KAIROS_TEMPORAL_PORT}`,
      namespace: t.namespace,
      setup: e.KAIROS_TEMPORAL_SETUP,
      port: e.KAIROS_TEMPORAL_PORT,
      uiPort: e.KAIROS_UI_PORT,
      httpPort: e.KAIROS_TEMPORAL_HTTP_PORT,
      metricsPort: e.KAIROS_TEMPORAL_METRICS_PORT,
      // The cluster has no Web UI (the dev server's is built into the CLI). A process that the cluster
      // launcher points at it by TEMPORAL_ADDRESS still sees KAIROS_TEMPORAL=cluster, so it links no UI.
      ui: e.KAIROS_TEMPORAL_UI === 'on' && e.KAIROS_TEMPORAL !== 'cluster',
      uiUrl: e.KAIROS_TEMPORAL_UI_URL,
      cluster: { dbUrl: e.KAIROS_TEMPORAL_DB_URL, dbName: e.KAIROS_TEMPORAL_DB_NAME, historyShards: e.KAIROS_TEMPORAL_HISTORY_SHARDS },
      internalPorts: splitList(e.KAIROS_TEMPORAL_INTERNAL_PORTS).map(Number),
      tls: t.tls,
      apiKey: t.apiKey,
    },
  };
}

// --- config sources (#16)

/** A PEM file or PEM text (Temporal's `*_PATH` / `*_DATA` settings). */
export type PemSource = { path: string } | { data: string };

type ParsedEnv = z.infer<typeof EnvSchema>;

/**
 * Temporal's connection from, highest first: the environment under the names of Temporal's own tools
 * (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS, TEMPORAL_TLS_CLIENT_CERT_PATH…,
 * as @temporalio/envconfig reads them), Kairos's older names (TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY,
 * TEMPORAL_TLS_CA), then the profile of a Temporal config file (TOML) — read only when
 * TEMPORAL_CONFIG_FILE or TEMPORAL_PROFILE is set, so that a profile a developer keeps for the
 * `temporal` CLI never silently turns `npm start` away from its own dev server.
 */
function temporalConnection(e: ParsedEnv, env: NodeJS.ProcessEnv): { address?: string; namespace: string; apiKey?: string; tls?: Config['temporal']['tls'] } {
  const profile = temporalProfile(e, env);
  const pem = (path: string | undefined, data: string | undefined, fromProfile: ConfigDataSource | undefined, names: string): PemSource | undefined => {
    if (path !== undefined && data !== undefined) throw new ConfigError(`invalid configuration:\n  ${names}: set the file or the PEM text, not both`);
    if (path !== undefined) return { path };
    if (data !== undefined) return { data };
    if (fromProfile === undefined) return undefined;
    return 'path' in fromProfile ? { path: fromProfile.path } : { data: typeof fromProfile.data === 'string' ? fromProfile.data : Buffer.from(fromProfile.data).toString('utf8') };
  };
  const pt = profile.tls;
  const cert = pem(e.TEMPORAL_TLS_CLIENT_CERT_PATH ?? e.TEMPORAL_TLS_CERT, e.TEMPORAL_TLS_CLIENT_CERT_DATA, pt?.clientCert, 'TEMPORAL_TLS_CLIENT_CERT_PATH (TEMPORAL_TLS_CERT) / TEMPORAL_TLS_CLIENT_CERT_DATA');
  const key = pem(e.TEMPORAL_TLS_CLIENT_KEY_PATH ?? e.TEMPORAL_TLS_KEY, e.TEMPORAL_TLS_CLIENT_KEY_DATA, pt?.clientKey, 'TEMPORAL_TLS_CLIENT_KEY_PATH (TEMPORAL_TLS_KEY) / TEMPORAL_TLS_CLIENT_KEY_DATA');
  const ca = pem(e.TEMPORAL_TLS_SERVER_CA_CERT_PATH ?? e.TEMPORAL_TLS_CA, e.TEMPORAL_TLS_SERVER_CA_CERT_DATA, pt?.serverCACert, 'TEMPORAL_TLS_SERVER_CA_CERT_PATH (TEMPORAL_TLS_CA) / TEMPORAL_TLS_SERVER_CA_CERT_DATA');
  if ((cert === undefined) !== (key === undefined)) {
    throw new ConfigError('invalid configuration:\n  TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH (or TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY) must be set together');
  }
  const apiKey = e.TEMPORAL_API_KEY ?? profile.apiKey;
  const serverName = e.TEMPORAL_TLS_SERVER_NAME ?? pt?.serverName;
  // As Temporal's tools: TLS when asked, or implied by a certificate, a CA or an API key.
  const useTls = e.TEMPORAL_TLS ?? (pt?.disabled === undefined ? Boolean(cert || ca || apiKey || pt) : !pt.disabled);
  return {
    address: e.TEMPORAL_ADDRESS ?? profile.address,
    namespace: e.TEMPORAL_NAMESPACE ?? profile.namespace ?? 'default',
    apiKey,
    tls: useTls ? { cert, key, ca, serverName } : undefined,
  };
}

/** The profile of the Temporal config file (TEMPORAL_CONFIG_FILE, default Temporal's own location) named by TEMPORAL_PROFILE (default `default`). */
function temporalProfile(e: ParsedEnv, env: NodeJS.ProcessEnv): ClientConfigProfile {
  if (e.TEMPORAL_CONFIG_FILE === undefined && e.TEMPORAL_PROFILE === undefined) return {};
  if (e.TEMPORAL_CONFIG_FILE !== undefined && !existsSync(e.TEMPORAL_CONFIG_FILE)) {
    throw new ConfigError(`invalid configuration:\n  TEMPORAL_CONFIG_FILE: no file at ${e.TEMPORAL_CONFIG_FILE}`);
  }
  try {
    // File only: the environment's values are applied above, with Kairos's older names among them.
    return loadClientConfigProfile({ disableEnv: true, profile: e.TEMPORAL_PROFILE, overrideEnvVars: definedOnly(env) });
  } catch (err) {
    const name = e.TEMPORAL_CONFIG_FILE === undefined ? 'TEMPORAL_PROFILE' : 'TEMPORAL_CONFIG_FILE / TEMPORAL_PROFILE';
    throw new ConfigError(`invalid configuration:\n  ${name}: ${(err as Error).message}`);
  }
}

const definedOnly = (env: NodeJS.ProcessEnv): Record<string, string> =>
  Object.fromEntries(Object.entries(env).filter((kv): kv is [string, string] => kv[1] !== undefined));

/**
 * Reads a `.env` file into `env` (Node's own parser, `util.parseEnv`): KAIROS_ENV_FILE names it,
 * default `.env` in the working directory; `none` reads nothing (the launchers give their children
 * that: they have read it already). A variable already in the environment wins over the file.
 * `allow` limits the names taken from it: the worker takes only what WORKER_ENV_ALLOW lets it see,
 * so an admin password kept in `.env` never reaches it. Returns the file read, if any.
 */
export function applyEnvFile(env: NodeJS.ProcessEnv = process.env, allow: (name: string) => boolean = () => true): string | undefined {
  const named = env.KAIROS_ENV_FILE;
  if (named === 'none') return undefined;
  const file = resolve(named === undefined || named === '' ? '.env' : named);
  if (!existsSync(file)) {
    if (named) throw new ConfigError(`invalid configuration:\n  KAIROS_ENV_FILE: no file at ${file}`);
    return undefined;
  }
  for (const [k, v] of Object.entries(parseEnv(readFileSync(file, 'utf8')))) {
    if (env[k] === undefined && allow(k)) env[k] = v;
  }
  return file;
}

/** Whether the worker may see a variable (WORKER_ENV_ALLOW). */
export function workerMaySee(name: string): boolean {
  return !(WORKER_ENV_ALLOW.except as readonly string[]).includes(name) && ((WORKER_ENV_ALLOW.names as readonly string[]).includes(name) || WORKER_ENV_ALLOW.prefixes.some((p) => name.startsWith(p)));
}

let processDatasource: DatasourceConfig | undefined;
/**
 * The datasource settings of this process, read from its environment on first use. The API checks
 * job files at save time and the worker at run time; both processes already ran loadConfig at
 * start-up, so a bad value stopped them there and this cannot fail later.
 */
export function datasourceConfig(): DatasourceConfig {
  processDatasource ??= loadConfig().datasource;
  return processDatasource;
}

/**
 * Checks that only the API process needs (`npm start` runs them too, before anything starts). The
 * worker reads the same settings without the API's credentials — it needs the dialect ports to deny
 * jobs a way to them (core/net/egress.ts) — so these are not part of loadConfig.
 */
export function assertApiConfig(cfg: Config): void {
  // Every endpoint but health checks is authenticated: the dedicated Dapr port's only credential
  // is the dapr-api-token, so it cannot be opened without one.
  if (cfg.dapr.port !== undefined && cfg.dapr.apiToken === undefined) {
    throw new ConfigError('invalid configuration:\n  KAIROS_DAPR_PORT needs KAIROS_DAPR_API_TOKEN (callers send it as dapr-api-token)');
  }
}

/**
 * What the worker process may see of the environment: the variables it reads and what Node and the
 * operating system need, nothing else. Launchers (scripts/stack.ts) pass it only these, so a job
 * that reads the worker's environment (`/proc/self/environ`) finds no admin password and no
 * API-only variable (KAIROS_ADMIN_*, KAIROS_DAPR_API_TOKEN, KAIROS_BODY_LIMIT, KAIROS_VOLTMX_TOKEN_TTL).
 * A new variable the worker reads must be added here.
 */
export const WORKER_ENV_ALLOW = {
  names: [
    'KAIROS_HOST',
    'KAIROS_PORT',
    'KAIROS_DATA_DIR',
    'KAIROS_TEMPORAL_PORT',
    'KAIROS_UI_PORT',
    'KAIROS_TASK_QUEUE',
    'KAIROS_LOG_LEVEL',
    'KAIROS_WORKER_MAX_HEAP_MB',
    'KAIROS_DAPR_APP_URL',
    'KAIROS_DAPR_APP_URLS',
    'KAIROS_DAPR_APP_API_TOKEN_SECRET',
    'KAIROS_VOLTMX_SERVER_URL',
    // The worker delivers alerts (e-mail over the operator's SMTP server; links to the API).
    'KAIROS_SMTP_URL',
    'KAIROS_ALERT_FROM',
    'KAIROS_PUBLIC_URL',
    // Not used by the worker's own work, but denied to jobs by the egress policy: it must know them.
    'KAIROS_DAPR_PORT',
    'KAIROS_FUSION_PORT',
    'KAIROS_METRICS_HOST',
    'KAIROS_METRICS_PORT',
    // The worker serves its own metrics there (and denies jobs the way to it).
    'KAIROS_WORKER_METRICS_HOST',
    'KAIROS_WORKER_METRICS_PORT',
    // The worker reads secrets (and their key) from the state store.
    'KAIROS_DATABASE_URL',
    'KAIROS_DATABASE_POOL',
    // Which .env file (the worker reads only the allowed names from it; launchers pass `none`).
    'KAIROS_ENV_FILE',
    'PATH',
    'HOME',
    'USER',
    'LOGNAME',
    'SHELL',
    'TMPDIR',
    'TMP',
    'TEMP',
    'TZ',
    'LANG',
    'LANGUAGE',
    'SSL_CERT_FILE',
    'SSL_CERT_DIR',
  ],
  /** The operator's secrets (KAIROS_SECRET_*), the egress policy, file areas and quotas, the dev server's ports (denied to jobs), Temporal's connection, Node, tsx, the locale and OpenTelemetry's exporter (OTEL_*). */
  prefixes: ['KAIROS_SECRET_', 'KAIROS_EGRESS_', 'KAIROS_DATASOURCE_', 'KAIROS_QUOTA_', 'KAIROS_TEMPORAL_', 'TEMPORAL_', 'NODE_', 'TSX_', 'LC_', 'OTEL_'],
  /** Matched by a prefix but never the worker's: the cluster's database URL (its password would hand a job all of Temporal). */
  except: ['KAIROS_TEMPORAL_DB_URL'],
} as const;

/** The environment a worker process gets: `env` filtered by WORKER_ENV_ALLOW. */
export function workerEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k, v]) => v !== undefined && workerMaySee(k)));
}
