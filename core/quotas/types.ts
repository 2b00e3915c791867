// What runJob and the quota activity exchange (types only: safe to import from workflow code).

export interface RunQuotaInput {
  ownerId: string;
  /** The asking run, left out of the count. */
  workflowId: string;
  /** When the asking run started (RFC 3339): runs that started later do not count against it. */
  startedAt: string;
}

export interface RunQuotaVerdict {
  allowed: boolean;
  /** The owner's other runs that were running (0 when the quota is off). */
  running: number;
  /** KAIROS_QUOTA_CONCURRENT_RUNS (0 = unlimited). */
  limit: number;
  /** Why not, when not allowed. */
  message?: string;
}
