// Health endpoints (no auth): /healthz = the process is alive; /readyz = Temporal answers and at
// least one worker is polling the Kairos task queue.
import Router from '@koa/router';
import type { Client } from '@temporalio/client';
import { enums } from '../core/proto.ts';

export function healthRoutes(client: Client, taskQueue: string): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const reasons: string[] = [];
    try {
      const res = await client.workflowService.describeTaskQueue({
        namespace: client.options.namespace,
        taskQueue: { name: taskQueue, kind: enums.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        taskQueueType: enums.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      });
      if ((res.pollers ?? []).length === 0) reasons.push(`no worker is polling task queue '${taskQueue}'`);
    } catch (err) {
      reasons.push(`Temporal is not reachable: ${(err as Error).message}`);
    }
    ctx.status = reasons.length ? 503 : 200;
    ctx.body = reasons.length ? { status: 'unavailable', reasons } : { status: 'ready' };
  });
  return router;
}
