// API process entry point: `tsx api/index.ts` (started by `npm start`, or alone to scale out:
// API instances keep nothing between requests — state is in Temporal and the state store — so any number may run behind a load balancer).
import { applyEnvFile, assertApiConfig, loadConfig } from '../core/config.ts';
import { configureEgress } from '../core/net/policy.ts';
import { exitIfSetupError } from '../core/temporal/setup.ts';
import { createLogger, startApi } from './server.ts';

applyEnvFile();
const cfg = loadConfig();
assertApiConfig(cfg);
configureEgress(cfg);
const logger = createLogger(cfg);
const api = await startApi(cfg, logger).catch((err: unknown) => exitIfSetupError(err));
logger.info({ url: api.url }, 'api listening');
const shutdown = () => {
  void api.close().then(() => process.exit(0));
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
