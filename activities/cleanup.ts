// The `cleanup` driver: deletes closed runs (workflow executions) older than a retention, through
// Temporal's DeleteWorkflowExecution over a visibility query. With `olderThan`/`olderThanDays` it
// applies that age to every run in scope; without, each job's own `history.retentionDays` (jobs
// without one are kept forever). `jobId` narrows it to one job. Progress: runs deleted / found.
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { parseDurationMs } from '../core/duration.ts';
import { JobIdSchema } from '../core/jobs/model.ts';
import { RUN_JOB_WORKFLOW, type JobStore } from '../core/jobs/store.ts';
import { SA } from '../core/search-attributes.ts';
import { quote } from '../core/runs/query.ts';
import type { DriverImpl } from './driver.ts';

const DAY_MS = 86_400_000;

export const CleanupDataSchema = z
  .object({
    olderThanDays: z.number().positive().max(36_500).optional().describe('delete closed runs older than this many days'),
    olderThan: z
      .string()
      .refine((v) => (parseDurationMs(v) ?? 0) > 0, 'must be a positive duration such as "720h" or "P30D"')
      .optional()
      .describe('the same as a duration ("720h", "P30D")'),
    jobId: JobIdSchema.optional().describe('only this job’s runs'),
    maxDeletes: z.number().int().min(1).max(1_000_000).default(10_000).describe('per run of the cleanup job'),
  })
  .strict()
  .refine((d) => !(d.olderThan && d.olderThanDays), { message: 'give olderThan or olderThanDays, not both', path: ['olderThan'] });
export type CleanupData = z.output<typeof CleanupDataSchema>;

export interface CleanupOutput {
  deleted: number;
  found: number;
  scopes: { jobId: string | null; closedBefore: string }[];
}

export function cleanupDriver(deps: { client: Client; store: JobStore }): DriverImpl<typeof CleanupDataSchema> {
  const { client, store } = deps;
  const namespace = client.options.namespace;

  /** Closed runs in scope, collected before deleting (deleting while paging would skip some). */
  async function collect(query: string, limit: number): Promise<{ workflowId: string; runId: string }[]> {
    const out: { workflowId: string; runId: string }[] = [];
    let token: Uint8Array | undefined;
    do {
      const res = await client.workflowService.listWorkflowExecutions({ namespace, query, pageSize: 1000, nextPageToken: token });
      for (const e of res.executions ?? []) {
        if (e.execution?.workflowId && e.execution.runId) out.push({ workflowId: e.execution.workflowId, runId: e.execution.runId });
        if (out.length >= limit) return out;
      }
      token = res.nextPageToken && res.nextPageToken.length ? res.nextPageToken : undefined;
    } while (token);
    return out;
  }

  async function allJobIds(): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.list({ pageSize: 1000, cursor });
      ids.push(...page.items.map((j) => j.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return ids;
  }

  return {
    type: 'cleanup',
    schema: CleanupDataSchema,
    async run(data, rt) {
      const now = Date.now();
      const fixedMs = data.olderThan ? parseDurationMs(data.olderThan) : data.olderThanDays !== undefined ? data.olderThanDays * DAY_MS : undefined;
      const scopes: { jobId: string | null; closedBefore: Date }[] = [];
      if (fixedMs !== undefined) scopes.push({ jobId: data.jobId ?? null, closedBefore: new Date(now - fixedMs) });
      else {
        for (const id of data.jobId ? [data.jobId] : await allJobIds()) {
          const job = await store.get(id).then(
            (s) => s.job,
            () => undefined, // deleted meanwhile
          );
          const days = job?.history.retentionDays;
          if (days !== undefined) scopes.push({ jobId: id, closedBefore: new Date(now - days * DAY_MS) });
        }
      }
      let deleted = 0;
      let found = 0;
      for (const scope of scopes) {
        const clauses = [
          `WorkflowType = ${quote(RUN_JOB_WORKFLOW)}`,
          `ExecutionStatus != 'Running'`,
          `CloseTime < ${quote(scope.closedBefore.toISOString())}`,
        ];
        if (scope.jobId) clauses.push(`${SA.jobId.name} = ${quote(scope.jobId)}`);
        const runs = await collect(clauses.join(' AND '), data.maxDeletes - deleted);
        found += runs.length;
        for (const run of runs) {
          if (rt.signal.aborted) throw rt.signal.reason ?? new Error('cancelled');
          if (run.workflowId === rt.workflowId) continue;
          try {
            await client.workflowService.deleteWorkflowExecution({ namespace, workflowExecution: run });
            deleted++;
          } catch (err) {
            if ((err as { code?: number }).code !== 5) throw err; // NOT_FOUND: already gone
          }
          rt.progress({ done: deleted, total: found, unit: 'runs' });
        }
        if (deleted >= data.maxDeletes) break;
      }
      const out: CleanupOutput = { deleted, found, scopes: scopes.map((s) => ({ jobId: s.jobId, closedBefore: s.closedBefore.toISOString() })) };
      return out;
    },
  };
}
