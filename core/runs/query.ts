// Pure helpers for run queries on Temporal visibility: literal quoting, status names both ways,
// and the list query a runs listing sends. Unit-tested; no Temporal client here.
import type { RunStatus } from './types.ts';

/** Temporal's list-query string literal: single-quoted, with quotes and backslashes escaped. */
export const quote = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export const RUN_STATUSES = ['running', 'succeeded', 'failed', 'cancelled', 'terminated', 'timed_out', 'skipped', 'missed'] as const satisfies readonly RunStatus[];

/** Statuses of fire times that did not run: rows in the state store (core/runs/skip-store.ts), besides `skipped` runs. */
export const NOT_RUN_STATUSES = ['skipped', 'missed'] as const satisfies readonly RunStatus[];

/** Statuses a workflow execution has (`skipped` is a Completed run with KairosOutcome = 'skipped'). */
type WorkflowRunStatus = Exclude<RunStatus, 'missed'>;

/** API status → visibility ExecutionStatus. */
export const STATUS_TO_VISIBILITY: Record<Exclude<WorkflowRunStatus, 'skipped'>, string> = {
  running: 'Running',
  succeeded: 'Completed',
  failed: 'Failed',
  cancelled: 'Canceled',
  terminated: 'Terminated',
  timed_out: 'TimedOut',
};

/** Visibility ExecutionStatus (or the SDK's upper-case status name) → API status. */
export function statusFromVisibility(name: string): Exclude<RunStatus, 'skipped' | 'missed'> {
  switch (name.toUpperCase().replace(/_/g, '')) {
    case 'RUNNING':
      return 'running';
    case 'COMPLETED':
      return 'succeeded';
    case 'FAILED':
      return 'failed';
    case 'CANCELED':
    case 'CANCELLED':
      return 'cancelled';
    case 'TERMINATED':
      return 'terminated';
    case 'TIMEDOUT':
      return 'timed_out';
    default:
      // ContinuedAsNew never happens for runJob; report it as still running.
      return 'running';
  }
}

export interface RunFilter {
  jobId?: string;
  /**
   * Only runs of this creation of the job (see SA.incarnation): a string matches it, null matches
   * runs without one (a legacy job's), undefined does not filter.
   */
  incarnation?: string | null;
  /** Only runs of this owner's jobs (a user's view). */
  owner?: string;
  statuses?: RunStatus[];
  /** Runs that started at or after / before these instants. */
  from?: Date;
  to?: Date;
}

/** The visibility query for a runs listing (runJob executions only). */
export function runsQuery(
  f: RunFilter,
  workflowType = 'runJob',
  attrs: { jobId: string; owner: string; incarnation?: string; outcome?: string } = { jobId: 'KairosJobId', owner: 'KairosOwner' },
): string {
  const clauses = [`WorkflowType = ${quote(workflowType)}`];
  if (f.jobId !== undefined) clauses.push(`${attrs.jobId} = ${quote(f.jobId)}`);
  if (f.incarnation !== undefined) clauses.push(incarnationClause(f.incarnation, attrs.incarnation));
  if (f.owner !== undefined) clauses.push(`${attrs.owner} = ${quote(f.owner)}`);
  if (f.statuses && f.statuses.length) clauses.push(statusClause(f.statuses, attrs.outcome));
  if (f.from) clauses.push(`StartTime >= ${quote(f.from.toISOString())}`);
  if (f.to) clauses.push(`StartTime < ${quote(f.to.toISOString())}`);
  return clauses.join(' AND ');
}

/**
 * The status filter on workflows. A run runJob left out by decision is Completed with KairosOutcome
 * 'skipped': `succeeded` excludes it and `skipped` selects it. `missed` names no workflow (only
 * state-store rows), so a filter of it alone matches none (an empty workflow id never exists).
 */
export function statusClause(statuses: readonly RunStatus[], outcome = 'KairosOutcome'): string {
  const set = new Set(statuses);
  const plain = [...set].flatMap((s) => (s === 'skipped' || s === 'missed' || s === 'succeeded' ? [] : [STATUS_TO_VISIBILITY[s]]));
  const names = [...new Set(plain)];
  const parts: string[] = [];
  if (names.length) parts.push(names.length === 1 ? `ExecutionStatus = ${quote(names[0] ?? '')}` : `ExecutionStatus IN (${names.map(quote).join(', ')})`);
  if (set.has('succeeded') && set.has('skipped')) parts.push(`ExecutionStatus = 'Completed'`);
  else if (set.has('succeeded')) parts.push(`(ExecutionStatus = 'Completed' AND ${outcome} IS NULL)`);
  else if (set.has('skipped')) parts.push(`(ExecutionStatus = 'Completed' AND ${outcome} = 'skipped')`);
  if (!parts.length) return `WorkflowId = ''`;
  return parts.length === 1 ? (parts[0] ?? '') : `(${parts.join(' OR ')})`;
}

/** Whether a status filter can match a workflow at all (not `missed` alone). */
export const matchesWorkflows = (statuses: readonly RunStatus[] | undefined): boolean => !statuses?.length || statuses.some((s) => s !== 'missed');

/** Whether a status filter can match a row of a fire time that did not run. */
export const matchesNotRun = (statuses: readonly RunStatus[] | undefined): boolean => !statuses?.length || statuses.some((s) => s === 'skipped' || s === 'missed');

/** Runs of one creation of a job: its incarnation, or none for a legacy job (see RunFilter.incarnation). */
export function incarnationClause(incarnation: string | null, attr = 'KairosIncarnation'): string {
  return incarnation === null ? `${attr} IS NULL` : `${attr} = ${quote(incarnation)}`;
}

export interface StatusCounts {
  total: number;
  byStatus: Record<RunStatus, number>;
}

/** Counts by status from a `count … GROUP BY ExecutionStatus` answer. */
export function countsFromGroups(groups: { count: number; values: unknown[] }[]): StatusCounts {
  const byStatus = emptyByStatus();
  let total = 0;
  for (const g of groups) {
    const raw = g.values[0];
    const name = Array.isArray(raw) ? String(raw[0]) : String(raw);
    byStatus[statusFromVisibility(name)] += g.count;
    total += g.count;
  }
  return { total, byStatus };
}

/** Every status at 0. */
export function emptyByStatus(): Record<RunStatus, number> {
  return { running: 0, succeeded: 0, failed: 0, cancelled: 0, terminated: 0, timed_out: 0, skipped: 0, missed: 0 };
}

/**
 * Counts with `skipped` Completed runs (KairosOutcome) moved out of succeeded, and the state store's
 * rows of fire times that did not run added.
 */
export function withNotRun(c: StatusCounts, skippedRuns: number, rows: { skipped: number; missed: number }): StatusCounts {
  const byStatus = { ...c.byStatus };
  const moved = Math.min(skippedRuns, byStatus.succeeded);
  byStatus.succeeded -= moved;
  byStatus.skipped += moved + rows.skipped;
  byStatus.missed += rows.missed;
  return { total: c.total + rows.skipped + rows.missed, byStatus };
}

/** Succeeded over finished runs that ran (running, skipped and missed ones excluded); null when none finished. */
export function successRate(c: StatusCounts): number | null {
  const finished = c.total - c.byStatus.running - c.byStatus.skipped - c.byStatus.missed;
  return finished > 0 ? Math.round((c.byStatus.succeeded / finished) * 10_000) / 10_000 : null;
}
