// The workflow ids Kairos's runs get, read back into their parts and rebuilt from them. Temporal
// names a scheduled run "<scheduleId>-<action time, RFC 3339 to the second>"; JobStore.startRun and
// startDependents name the others "<jobId>-<trigger>-<ISO time without ':' and '.'>-<8 hex>". A
// dialect whose clients need fixed-size run ids (CluedIn's GUIDs) encodes these parts, and later
// rebuilds the workflow id from them to address the run directly (describe) rather than through a
// visibility lookup that may miss a fresh run. Keep in step with JobStore (unit-tested on its formats).

export const RUN_KINDS = ['schedule', 'manual', 'dependency', 'backfill'] as const;
export type RunKind = (typeof RUN_KINDS)[number];

export type RunIdParts =
  /** A scheduled run: Temporal's action time, whole seconds. */
  | { kind: 'schedule'; at: Date }
  /** A run Kairos started itself: its start stamp (milliseconds) and random (or derived) suffix. */
  | { kind: Exclude<RunKind, 'schedule'>; at: Date; suffix: string };

const SCHEDULED = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})Z$/;
const STARTED = /^(manual|dependency|backfill)-(\d{4}-\d{2}-\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z-([0-9a-f]{8})$/;

/** The parts of `runId`, a run of job `jobId`; undefined when it is not a Kairos run id of that job. */
export function parseRunId(jobId: string, runId: string): RunIdParts | undefined {
  if (!runId.startsWith(`${jobId}-`)) return undefined;
  const rest = runId.slice(jobId.length + 1);
  const s = SCHEDULED.exec(rest);
  if (s) {
    const at = new Date(`${s[1]}Z`);
    return Number.isNaN(at.getTime()) || formatStamp(at) !== rest ? undefined : { kind: 'schedule', at };
  }
  const m = STARTED.exec(rest);
  if (!m) return undefined;
  const at = new Date(`${m[2]}T${m[3]}:${m[4]}:${m[5]}.${m[6]}Z`);
  if (Number.isNaN(at.getTime())) return undefined;
  const parts: RunIdParts = { kind: m[1] as Exclude<RunKind, 'schedule'>, at, suffix: m[7] ?? '' };
  // Only canonical text round-trips (no 2026-02-30 that Date would roll over).
  return formatRunId(jobId, parts) === runId ? parts : undefined;
}

/** The workflow id of a run of `jobId` with these parts. */
export function formatRunId(jobId: string, parts: RunIdParts): string {
  if (parts.kind === 'schedule') return `${jobId}-${formatStamp(parts.at)}`;
  return `${jobId}-${parts.kind}-${parts.at.toISOString().replace(/[:.]/g, '')}-${parts.suffix}`;
}

/** Go's time.RFC3339 of a UTC time, as Temporal appends it: whole seconds, no fraction. */
function formatStamp(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
