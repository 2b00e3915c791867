// API process entry point: `node dist/api/index.js` compiled (`npx tsx api/index.ts` from the sources)
// (started by `npm start`, or alone to scale out with `npm run api`:
// API instances keep nothing between requests — state is in Temporal and the state store — so any number may run behind a load balancer).
import { applyEnvFile, assertApiConfig, loadConfig } from '../core/config.ts';
import { configureEgress } from '../core/net/policy.ts';
import { exitIfSetupError } from '../core/temporal/setup.ts';
import { createLogger, startApi } from './server.ts';
import { startTracing } from '../core/telemetry/tracing.ts';

applyEnvFile();
const cfg = loadConfig();
assertApiConfig(cfg);
configureEgress(cfg);
const logger = createLogger(cfg);
// Before the Temporal client exists: it adds the tracing interceptor only when tracing is on.
const tracing = await startTracing(cfg.tracing, 'kairos-api');
const api = await startApi(cfg, logger).catch((err: unknown) => exitIfSetupError(err));
logger.info({ url: api.url, tracing: tracing ? cfg.tracing.url : 'off' }, 'api listening');
const shutdown = () => {
  void api
    .close()
    .then(() => tracing?.shutdown())
    .then(() => process.exit(0));
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
