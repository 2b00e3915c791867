// The audit log: who did what, through which surface, when, and with what outcome — every mutation,
// manual run, stop and abort, login success and failure, key and secret change. The API records
// requests in one place (api/audit.ts); this is the store behind it. `detail` holds only what is safe
// to show an admin: never a secret's value, a password or a token (callers pass no request bodies).
// Old events are deleted in batches after the retention (KAIROS_AUDIT_RETENTION).
import type { Db } from '../db/open.ts';
import type { AuditEventRow, AuditOutcome } from '../db/schema.ts';
import { validationError } from '../errors.ts';
import { keysetPage, type KeysetPage } from '../db/keyset.ts';
import { runPeriodically, type Periodic } from '../periodic.ts';

export type { AuditOutcome } from '../db/schema.ts';
export const AUDIT_OUTCOMES = ['ok', 'denied', 'failed'] as const satisfies readonly AuditOutcome[];

/** What is recorded. */
export interface AuditEvent {
  /** Default: now. */
  at?: Date;
  principalId: string | null;
  principalName: string | null;
  /** `v1`, `dapr`, `fusion`, `voltmx`, `informer`, `cluedin`, `ui`, or `system`. */
  surface: string;
  /** e.g. `job.create`, `job.run`, `login`, `secret.put`, or `POST /v1/…` by default. */
  action: string;
  jobId?: string | null;
  /** What else the action was about (a user, key or secret name), when not a job. */
  target?: string | null;
  outcome: AuditOutcome;
  /** Safe details (status, request id): never a credential or a secret value. */
  detail?: Record<string, string | number | boolean | null>;
}

/** An event as the API shows it. */
export interface AuditEntry {
  id: number;
  at: string;
  principalId: string | null;
  principalName: string | null;
  surface: string;
  action: string;
  jobId: string | null;
  target: string | null;
  outcome: AuditOutcome;
  detail: Record<string, unknown> | null;
}

export interface AuditFilters {
  job?: string;
  /** A principal's id or name. */
  principal?: string;
  action?: string;
  surface?: string;
  outcome?: AuditOutcome;
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
}

export type AuditPage = KeysetPage<AuditEntry>;

/** Longest text kept in a column (an action built from a path, a name someone typed). */
const MAX_TEXT = 200;
const cap = (v: string | null | undefined): string | null => (v === undefined || v === null ? null : v.slice(0, MAX_TEXT));

function toEntry(row: AuditEventRow): AuditEntry {
  return {
    id: Number(row.id),
    at: row.at,
    principalId: row.principal_id,
    principalName: row.principal_name,
    surface: row.surface,
    action: row.action,
    jobId: row.job_id,
    target: row.target,
    outcome: row.outcome,
    detail: row.detail === null ? null : (JSON.parse(row.detail) as Record<string, unknown>),
  };
}

function decodeCursor(cursor: string): number {
  const m = /^a:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!m) throw validationError('invalid page', [{ path: 'cursor', message: 'is not a cursor of this list' }]);
  return Number(m[1]);
}

export class AuditLog {
  constructor(
    private readonly db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async record(e: AuditEvent): Promise<void> {
    await this.db.kysely
      .insertInto('audit_events')
      .values({
        at: (e.at ?? this.now()).toISOString(),
        principal_id: cap(e.principalId),
        principal_name: cap(e.principalName),
        surface: cap(e.surface) ?? '',
        action: cap(e.action) ?? '',
        job_id: cap(e.jobId),
        target: cap(e.target),
        outcome: e.outcome,
        detail: e.detail === undefined ? null : JSON.stringify(e.detail),
      })
      .execute();
  }

  /** Events matching every filter given, newest first (by insertion order: ids only grow). */
  async query(f: AuditFilters, page: { pageSize: number; cursor?: string }): Promise<AuditPage> {
    let q = this.db.kysely.selectFrom('audit_events').selectAll();
    if (f.job !== undefined) q = q.where('job_id', '=', f.job);
    if (f.principal !== undefined) {
      const p = f.principal;
      q = q.where((eb) => eb.or([eb('principal_id', '=', p), eb('principal_name', '=', p)]));
    }
    if (f.action !== undefined) q = q.where('action', '=', f.action);
    if (f.surface !== undefined) q = q.where('surface', '=', f.surface);
    if (f.outcome !== undefined) q = q.where('outcome', '=', f.outcome);
    // Times are ISO-8601 UTC text of one length, so text order is time order.
    if (f.from !== undefined) q = q.where('at', '>=', f.from.toISOString());
    if (f.to !== undefined) q = q.where('at', '<', f.to.toISOString());
    if (page.cursor) q = q.where('id', '<', decodeCursor(page.cursor));
    const rows = await q
      .orderBy('id', 'desc')
      .limit(page.pageSize + 1)
      .execute();
    return keysetPage(rows, page.pageSize, toEntry, (last) => `a:${last.id}`);
  }

  /**
   * Deletes events older than `retentionMs`, `batch` at a time (each batch a short statement, so
   * SQLite's write lock is never held long). Returns how many were deleted.
   */
  async purge(retentionMs: number, batch = 1000): Promise<number> {
    const cutoff = new Date(this.now().getTime() - retentionMs).toISOString();
    let total = 0;
    for (;;) {
      const r = await this.db.kysely
        .deleteFrom('audit_events')
        .where('id', 'in', (eb) => eb.selectFrom('audit_events').select('id').where('at', '<', cutoff).orderBy('id').limit(batch))
        .executeTakeFirst();
      const n = Number(r.numDeletedRows);
      total += n;
      if (n < batch) return total;
    }
  }

  /**
   * Purges now and then every `intervalMs` until stopped. A failed purge is reported and tried again
   * at the next tick. Several API processes may purge at once: the deletes are idempotent.
   */
  startRetention(retentionMs: number, intervalMs: number, report: (err: unknown) => void): Periodic {
    return runPeriodically(() => this.purge(retentionMs), intervalMs, report);
  }
}
