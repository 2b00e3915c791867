// Configuration comes from the environment, is validated once at start-up, and is immutable after.
import { resolve } from 'node:path';
import { z } from 'zod';
import { parseDurationMs } from './duration.ts';
import { trimEndChar } from './text.ts';

const PORT_RULE = { error: 'must be a port number from 1 to 65535' };
const portNumber = z.coerce.number(PORT_RULE).int(PORT_RULE).min(1, PORT_RULE).max(65535, PORT_RULE);
const port = (fallback: number) => portNumber.default(fallback);
const optionalPort = portNumber.optional();
const nonEmpty = z.string().trim().min(1);
const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no'])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

const EnvSchema = z.object({
  KAIROS_HOST: nonEmpty.default('127.0.0.1'),
  KAIROS_PORT: port(8080),
  KAIROS_DATA_DIR: nonEmpty.default('./data'),
  KAIROS_TEMPORAL_PORT: port(7233),
  KAIROS_UI_PORT: port(8233),
  KAIROS_TASK_QUEUE: nonEmpty.default('kairos'),
  KAIROS_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  KAIROS_BODY_LIMIT: nonEmpty.default('2mb'),
  KAIROS_WORKER_MAX_HEAP_MB: z.coerce.number({ error: 'must be a number of MB' }).int().min(128, 'must be at least 128').default(512),
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
  KAIROS_VOLTMX_TOKEN_TTL: z
    .string()
    .refine((v) => (parseDurationMs(v) ?? 0) >= 1000, 'must be a duration of at least 1s, such as "1h" or "PT30M"')
    .default('1h'),
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
  TEMPORAL_ADDRESS: nonEmpty.optional(),
  TEMPORAL_NAMESPACE: nonEmpty.default('default'),
  TEMPORAL_TLS: bool.optional(),
  TEMPORAL_TLS_CERT: nonEmpty.optional(),
  TEMPORAL_TLS_KEY: nonEmpty.optional(),
  TEMPORAL_TLS_CA: nonEmpty.optional(),
  TEMPORAL_TLS_SERVER_NAME: nonEmpty.optional(),
  TEMPORAL_API_KEY: nonEmpty.optional(),
});

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
  /** V8 old-space limit of worker processes that Kairos starts (`--max-old-space-size`). */
  workerMaxHeapMb: number;
  admin: { user?: string; password?: string };
  fusionPort?: number;
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
  temporal: {
    /** true when Kairos starts its own dev server (no TEMPORAL_ADDRESS given). */
    embedded: boolean;
    address: string;
    namespace: string;
    port: number;
    uiPort: number;
    tls?: { certPath?: string; keyPath?: string; caPath?: string; serverName?: string };
    apiKey?: string;
  };
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

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if ((e.TEMPORAL_TLS_CERT === undefined) !== (e.TEMPORAL_TLS_KEY === undefined)) {
    throw new ConfigError('invalid configuration:\n  TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together');
  }
  // Every endpoint but health checks is authenticated: the dedicated Dapr port's only credential
  // is the dapr-api-token, so it cannot be opened without one.
  if (e.KAIROS_DAPR_PORT !== undefined && e.KAIROS_DAPR_API_TOKEN === undefined) {
    throw new ConfigError('invalid configuration:\n  KAIROS_DAPR_PORT needs KAIROS_DAPR_API_TOKEN (callers send it as dapr-api-token)');
  }
  const useTls = e.TEMPORAL_TLS ?? Boolean(e.TEMPORAL_TLS_CERT || e.TEMPORAL_TLS_CA || e.TEMPORAL_API_KEY);
  return {
    host: e.KAIROS_HOST,
    port: e.KAIROS_PORT,
    dataDir: resolve(e.KAIROS_DATA_DIR),
    taskQueue: e.KAIROS_TASK_QUEUE,
    logLevel: e.KAIROS_LOG_LEVEL,
    bodyLimit: e.KAIROS_BODY_LIMIT,
    trustedOrigins: splitList(e.KAIROS_TRUSTED_ORIGINS).map((o) => new URL(o).origin),
    loginThrottle: {
      failuresPerUser: e.KAIROS_LOGIN_FAILURES_PER_USER,
      failuresPerAddress: e.KAIROS_LOGIN_FAILURES_PER_ADDRESS,
      windowMs: parseDurationMs(e.KAIROS_LOGIN_THROTTLE_WINDOW) ?? 900_000,
    },
    workerMaxHeapMb: e.KAIROS_WORKER_MAX_HEAP_MB,
    admin: { user: e.KAIROS_ADMIN_USER, password: e.KAIROS_ADMIN_PASSWORD },
    fusionPort: e.KAIROS_FUSION_PORT,
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
    voltmx: { serverUrl: e.KAIROS_VOLTMX_SERVER_URL === undefined ? undefined : trimEndChar(e.KAIROS_VOLTMX_SERVER_URL, '/'), tokenTtlMs: parseDurationMs(e.KAIROS_VOLTMX_TOKEN_TTL) ?? 3_600_000 },
    temporal: {
      embedded: e.TEMPORAL_ADDRESS === undefined,
      address: e.TEMPORAL_ADDRESS ?? `127.0.0.1:${e.KAIROS_TEMPORAL_PORT}`,
      namespace: e.TEMPORAL_NAMESPACE,
      port: e.KAIROS_TEMPORAL_PORT,
      uiPort: e.KAIROS_UI_PORT,
      tls: useTls
        ? { certPath: e.TEMPORAL_TLS_CERT, keyPath: e.TEMPORAL_TLS_KEY, caPath: e.TEMPORAL_TLS_CA, serverName: e.TEMPORAL_TLS_SERVER_NAME }
        : undefined,
      apiKey: e.TEMPORAL_API_KEY,
    },
  };
}
