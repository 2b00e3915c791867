// Native /v1 alert routes: rules (per job: whoever may edit the job; global: admins) and the record
// of deliveries. Parse (zod), call core/alerts, render. Who may see and do what is core's
// (core/alerts/rules.ts); a rule one may not manage is a 404 like one that does not exist.
import Router from '@koa/router';
import { z } from 'zod';
import { AlertDeliverySchema, AlertRuleInputSchema, AlertRuleSchema, idString } from '../../core/alerts/model.ts';
import type { AlertRules } from '../../core/alerts/rules.ts';
import { auditAs } from '../audit.ts';
import { actorOf, jsonBody, parseWith } from './jobs.ts';
import { registerOperations } from '../openapi.ts';

const ListRulesQuery = z.object({ jobId: idString(400).optional().describe("only this job's rules") }).strict();
const ListDeliveriesQuery = z
  .object({
    ruleId: idString(200).optional().describe('one rule'),
    jobId: idString(400).optional().describe('one job'),
    status: z.enum(['pending', 'sent', 'failed']).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100).describe('page size'),
    cursor: z.string().max(1000).optional().describe('nextCursor of the previous page'),
  })
  .strict();

registerOperations('native', [
  {
    operationId: 'createAlertRule',
    method: 'post',
    path: '/v1/alerts/rules',
    summary: 'Create an alert rule: on a job you may edit (jobId), or on every job (admins)',
    tag: 'alerts',
    request: AlertRuleInputSchema,
    response: AlertRuleSchema,
    status: 201,
  },
  { operationId: 'listAlertRules', method: 'get', path: '/v1/alerts/rules', summary: 'The alert rules you manage (admins: all)', tag: 'alerts', query: ListRulesQuery, response: z.object({ items: z.array(AlertRuleSchema) }) },
  { operationId: 'getAlertRule', method: 'get', path: '/v1/alerts/rules/{id}', summary: 'An alert rule you manage', tag: 'alerts', response: AlertRuleSchema },
  { operationId: 'replaceAlertRule', method: 'put', path: '/v1/alerts/rules/{id}', summary: 'Replace an alert rule (you become its owner: its secret references resolve for you)', tag: 'alerts', request: AlertRuleInputSchema, response: AlertRuleSchema },
  { operationId: 'deleteAlertRule', method: 'delete', path: '/v1/alerts/rules/{id}', summary: 'Delete an alert rule and its delivery records', tag: 'alerts', status: 204 },
  {
    operationId: 'listAlertDeliveries',
    method: 'get',
    path: '/v1/alerts/deliveries',
    summary: 'Alert deliveries of the rules you manage (admins: all), newest first',
    tag: 'alerts',
    query: ListDeliveriesQuery,
    response: z.object({ items: z.array(AlertDeliverySchema), nextCursor: z.string().nullable() }),
  },
]);

/** The /v1/alerts routes over core/alerts/rules.ts. */
export function alertRoutes(rules: AlertRules): Router {
  const r = new Router({ prefix: '/v1' });

  r.post('/alerts/rules', async (ctx) => {
    auditAs(ctx, { action: 'alert.create' });
    const input = parseWith(AlertRuleInputSchema, jsonBody(ctx, 'an alert rule object'), 'alert rule');
    // The audit log names the rule and its job (`?job=` finds it), once the job was allowed.
    const rule = await rules.create(input, actorOf(ctx));
    auditAs(ctx, { target: rule.id, ...(rule.jobId ? { jobId: rule.jobId } : {}) });
    ctx.status = 201;
    ctx.body = rule;
  });

  r.get('/alerts/rules', async (ctx) => {
    const q = parseWith(ListRulesQuery, ctx.query, 'query', 'query');
    ctx.body = { items: await rules.list(actorOf(ctx), q.jobId) };
  });

  r.get('/alerts/rules/:id', async (ctx) => {
    ctx.body = await rules.get(ctx.params.id ?? '', actorOf(ctx));
  });

  r.put('/alerts/rules/:id', async (ctx) => {
    auditAs(ctx, { action: 'alert.replace' });
    const input = parseWith(AlertRuleInputSchema, jsonBody(ctx, 'an alert rule object'), 'alert rule');
    const rule = await rules.replace(ctx.params.id ?? '', input, actorOf(ctx));
    if (rule.jobId) auditAs(ctx, { jobId: rule.jobId });
    ctx.body = rule;
  });

  r.delete('/alerts/rules/:id', async (ctx) => {
    auditAs(ctx, { action: 'alert.delete' });
    await rules.delete(ctx.params.id ?? '', actorOf(ctx));
    ctx.status = 204;
  });

  r.get('/alerts/deliveries', async (ctx) => {
    const q = parseWith(ListDeliveriesQuery, ctx.query, 'query', 'query');
    ctx.body = await rules.deliveries(actorOf(ctx), q);
  });
  return r;
}
