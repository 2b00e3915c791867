// Pure helpers for run queries on Temporal visibility: literal quoting, status names both ways,
// and the list query a runs listing sends. Unit-tested; no Temporal client here.
import type { RunStatus } from './types.ts';

/** Temporal's list-query string literal: single-quoted, with quotes and backslashes escaped. */
export const quote = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export const RUN_STATUSES = ['running', 'succeeded', 'failed', 'cancelled', 'terminated', 'timed_out'] as const satisfies readonly RunStatus[];

/** API status → visibility ExecutionStatus. */
export const STATUS_TO_VISIBILITY: Record<RunStatus, string> = {
  running: 'Running',
  succeeded: 'Completed',
  failed: 'Failed',
  cancelled: 'Canceled',
  terminated: 'Terminated',
  timed_out: 'TimedOut',
};

/** Visibility ExecutionStatus (or the SDK's upper-case status name) → API status. */
export function statusFromVisibility(name: string): RunStatus {
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
  attrs: { jobId: string; owner: string; incarnation?: string } = { jobId: 'KairosJobId', owner: 'KairosOwner' },
): string {
  const clauses = [`WorkflowType = ${quote(workflowType)}`];
  if (f.jobId !== undefined) clauses.push(`${attrs.jobId} = ${quote(f.jobId)}`);
  if (f.incarnation !== undefined) clauses.push(incarnationClause(f.incarnation, attrs.incarnation));
  if (f.owner !== undefined) clauses.push(`${attrs.owner} = ${quote(f.owner)}`);
  if (f.statuses && f.statuses.length) {
    const names = [...new Set(f.statuses.map((s) => STATUS_TO_VISIBILITY[s]))];
    clauses.push(names.length === 1 ? `ExecutionStatus = ${quote(names[0] ?? '')}` : `ExecutionStatus IN (${names.map(quote).join(', ')})`);
  }
  if (f.from) clauses.push(`StartTime >= ${quote(f.from.toISOString())}`);
  if (f.to) clauses.push(`StartTime < ${quote(f.to.toISOString())}`);
  return clauses.join(' AND ');
}

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
  const byStatus: Record<RunStatus, number> = { running: 0, succeeded: 0, failed: 0, cancelled: 0, terminated: 0, timed_out: 0 };
  let total = 0;
  for (const g of groups) {
    const raw = g.values[0];
    const name = Array.isArray(raw) ? String(raw[0]) : String(raw);
    byStatus[statusFromVisibility(name)] += g.count;
    total += g.count;
  }
  return { total, byStatus };
}

/** Succeeded over finished runs (running ones excluded); null when none finished. */
export function successRate(c: StatusCounts): number | null {
  const finished = c.total - c.byStatus.running;
  return finished > 0 ? Math.round((c.byStatus.succeeded / finished) * 10_000) / 10_000 : null;
}
