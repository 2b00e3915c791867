// `npm start`: the embedded Temporal dev server (SQLite under KAIROS_DATA_DIR, Web UI) or with
// KAIROS_TEMPORAL=cluster a PostgreSQL-backed cluster (scripts/temporal-cluster.ts), the worker
// and the API. Ctrl-C / SIGTERM stops every child cleanly; a restart keeps every job and all history.
import { assertApiConfig, ConfigError, loadConfig } from '../core/config.ts';
import { bootstrapAdminInState } from '../core/auth/bootstrap.ts';
import { launchStack } from './stack.ts';
import { PortInUseError } from './dev-server.ts';

const say = (msg: string) => process.stdout.write(`[kairos] ${msg}\n`);

async function main(): Promise<void> {
  const cfg = loadConfig();
  assertApiConfig(cfg);
  const started = Date.now();
  const admin = await bootstrapAdminInState(cfg);
  // Until the stop handler exists (a crash during start-up fails launchStack itself).
  let onCrash = (what: string): void => {
    say(`${what} exited unexpectedly`);
  };
  const stack = await launchStack(cfg, {
    env: process.env,
    onProgress: say,
    onClusterServiceExit: (name, code, signal) => onCrash(`the Temporal ${name} service (${signal ?? `code ${code}`})`),
  });
  say(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  say(`API:         ${stack.apiUrl}   (try: curl -u USER:PASSWORD ${stack.apiUrl}/v1/jobs)`);
  if (stack.cluster) {
    say(`Temporal:    ${stack.temporalAddress}   cluster on PostgreSQL (${cfg.temporal.cluster.dbName}, ${cfg.temporal.cluster.dbName}_visibility); no Web UI (the cluster has none)`);
    say(`Data dir:    ${cfg.dataDir}   (logs: worker.log, api.log, temporal-cluster/temporal-<service>.log)`);
  } else {
    say(`Temporal:    ${stack.temporalAddress}${stack.uiUrl ? `   Web UI: ${stack.uiUrl}` : ''}`);
    say(`Data dir:    ${cfg.dataDir}   (logs: temporal.log, worker.log, api.log)`);
  }
  if (admin.generated) {
    say(`Admin login: ${admin.username} / ${admin.password}   (generated; shown once, stored hashed in ${admin.location})`);
  } else if (admin.username) {
    say(`Admin login: ${admin.username} (password from KAIROS_ADMIN_PASSWORD)`);
  } else {
    say(`Admin login: the credentials created at the first start (stored hashed in ${admin.location})`);
  }
  say('Authenticate with HTTP Basic (curl -u) or Authorization: Bearer <api key> (create keys at POST /v1/api-keys).');

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    await stack.stop();
    say('stopped');
    process.exit(code);
  };
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));
  onCrash = (what) => {
    if (stopping) return;
    say(`${what} exited unexpectedly; stopping everything`);
    void stop(1);
  };
  for (const child of [stack.worker, stack.api, stack.devServer?.process]) {
    child?.once('exit', (code) => {
      if (!stopping) {
        say(`a child process exited unexpectedly (code ${code}); stopping everything`);
        void stop(1);
      }
    });
  }
}

main().catch((err: unknown) => {
  console.error(`[kairos] ${err instanceof ConfigError || err instanceof PortInUseError ? err.message : ((err as Error).stack ?? String(err))}`);
  process.exit(1);
});
