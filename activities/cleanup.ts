// The `cleanup` driver: deletes closed runs (workflow executions) older than a retention, through
// Temporal's DeleteWorkflowExecution over a visibility query. With `olderThan`/`olderThanDays` it
// applies that age to every run in scope; without, each job's own `history.retentionDays` (jobs
// without one are kept forever). `jobId` narrows it to one job. Progress: runs deleted / found.
import { parseDurationMs } from '../core/duration.ts';
import type { JobStore } from '../core/jobs/store.ts';
import { KairosError } from '../core/errors.ts';
import { RUN_JOB_WORKFLOW } from '../core/temporal/contract.ts';
import type { TemporalGateway } from '../core/temporal/gateway.ts';
import { SA } from '../core/search-attributes.ts';
import { quote } from '../core/runs/query.ts';
import type { DriverImpl } from './driver.ts';
import { CleanupDataSchema } from '../core/drivers/cleanup.ts';

const DAY_MS = 86_400_000;

export interface CleanupOutput {
  deleted: number;
  found: number;
  scopes: { jobId: string | null; closedBefore: string }[];
}

export function cleanupDriver(deps: { temporal: TemporalGateway; store: JobStore }): DriverImpl<typeof CleanupDataSchema> {
  const { temporal, store } = deps;

  /** Closed runs in scope, collected before deleting (deleting while paging would skip some). */
  async function collect(query: string, limit: number): Promise<{ workflowId: string; runId: string }[]> {
    const out: { workflowId: string; runId: string }[] = [];
    if (limit <= 0) return out;
    for await (const e of temporal.workflows.list(query)) {
      if (e.execution?.workflowId && e.execution.runId) out.push({ workflowId: e.execution.workflowId, runId: e.execution.runId });
      if (out.length >= limit) break;
    }
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
            await temporal.workflows.delete(run.workflowId, run.runId);
            deleted++;
          } catch (err) {
            if (!(err instanceof KairosError && err.kind === 'not_found')) throw err; // already gone
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
