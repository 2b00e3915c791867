// Health endpoints (no auth): /healthz = the process is alive; /readyz = Temporal answers and at
// least one worker is polling the Kairos task queue.
import Router from '@koa/router';
import type { TemporalGateway } from '../core/temporal/gateway.ts';

export function healthRoutes(temporal: TemporalGateway, taskQueue: string): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const reasons: string[] = [];
    try {
      if ((await temporal.workflowPollers(taskQueue)) === 0) reasons.push(`no worker is polling task queue '${taskQueue}'`);
    } catch (err) {
      // Mapped by core/temporal: "unavailable", or refused credentials that an operator must fix.
      reasons.push(`Temporal is not ready for Kairos: ${(err as Error).message}`);
    }
    ctx.status = reasons.length ? 503 : 200;
    ctx.body = reasons.length ? { status: 'unavailable', reasons } : { status: 'ready' };
  });
  return router;
}
