// The tables of Kairos's own state, as Kysely sees them. Both backends (SQLite and PostgreSQL) hold
// the same columns with portable types: times are ISO-8601 UTC text (`…Z`, so they sort as text),
// JSON is text, flags are integers. The shape is made by core/db/migrations.ts; a change there is a
// new migration plus a change here.
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** A user or a team. Names are unique across both, so a share or a login names one principal. */
export interface PrincipalsTable {
  /** `usr_…` for users, `team_…` for teams. */
  id: string;
  kind: 'user' | 'team';
  name: string;
  /** A team's role is always 'user': membership never makes anyone an admin. */
  role: 'admin' | 'user';
  /** scrypt hash (core/auth/hash.ts); null for teams. */
  password_hash: string | null;
  /** Bumped when what a user's login tokens and sessions vouch for changes (password, role, revocation). */
  credential_version: number;
  created_at: string;
}

export interface TeamMembersTable {
  team_id: string;
  user_id: string;
  added_at: string;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  owner_id: string;
  role: 'admin' | 'user';
  /** `sha256$…` of the whole key: the lookup index (unique). */
  key_hash: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
}

/** Dashboard login sessions. The cookie holds a random token; only its SHA-256 is stored. */
export interface SessionsTable {
  id_hash: string;
  user_id: string;
  /** The user's credential version when the session began: a later change ends it. */
  credential_version: number;
  /** SHA-256 of the session's CSRF token. */
  csrf_hash: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
}

/** A secret's value, encrypted (AES-256-GCM, core/secrets). One name space per owner. */
export interface SecretsTable {
  /** A user id, or `operator`. */
  owner_id: string;
  name: string;
  /** base64 of nonce ‖ ciphertext ‖ tag, under the key `key_id` names. */
  ciphertext: string;
  key_id: string;
  created_at: string;
  updated_at: string;
}

/** Who besides its owner may use a secret: a user, a team, or `*` (every user). */
export interface SecretSharesTable {
  owner_id: string;
  name: string;
  principal_id: string;
}

export type ShareLevel = 'read' | 'run' | 'edit' | 'admin';

/** A job shared with a user or a team, for the creation of the job id (`incarnation`) it was made for. */
export interface JobSharesTable {
  job_id: string;
  /** '' for a job created before incarnations existed. */
  incarnation: string;
  principal_id: string;
  level: ShareLevel;
  created_at: string;
  created_by: string | null;
}

export interface FavoritesTable {
  principal_id: string;
  job_id: string;
  incarnation: string;
  created_at: string;
}

/** `<owner>:<slug>` names a job; slugs are unique per owner. */
export interface NaturalIdsTable {
  owner_id: string;
  slug: string;
  job_id: string;
  incarnation: string;
}

export interface IdSequencesTable {
  name: string;
  /** The next number to hand out. */
  next_value: ColumnType<number, number, number>;
}

export type VersionState = 'applied' | 'draft' | 'closed';

/** Every change to a job's definition, by any surface; Informer's drafts are versions not yet applied. */
export interface JobVersionsTable {
  job_id: string;
  incarnation: string;
  version: number;
  state: VersionState;
  author_id: string | null;
  /** `v1`, `dapr`, `fusion`, `voltmx`, `informer`, `cluedin`, `ui`, or `system`. */
  surface: string;
  created_at: string;
  /** The job's definition (JSON). */
  definition: string;
  /** RFC 6902 JSON Patch from the previous version (JSON); '[]' for the first. */
  diff: string;
}

export type AuditOutcome = 'ok' | 'denied' | 'failed';

export interface AuditEventsTable {
  id: Generated<number>;
  at: string;
  principal_id: string | null;
  principal_name: string | null;
  surface: string;
  /** e.g. `job.create`, `job.run`, `login`, `secret.put`. */
  action: string;
  job_id: string | null;
  /** What else the action was about (a user, key or secret name), when not a job. */
  target: string | null;
  outcome: AuditOutcome;
  /** JSON: details safe to show an admin (never a secret value or a password). */
  detail: string | null;
}

/** Small named values: the token-signing key, the secret key's check value, import markers. */
export interface SettingsTable {
  key: string;
  value: string;
  updated_at: string;
}

/**
 * A job's head (core/jobs/heads.ts): the definition Temporal's schedule holds, as of the last write
 * that Kairos knows to have won, so that reads need not query the scheduler. The row is trusted only
 * while `definition` is set and `pending` is empty; otherwise reads describe the schedule and repair it.
 */
export interface JobHeadsTable {
  job_id: string;
  /** null with the definition (also on a legacy job, which has none). */
  incarnation: string | null;
  owner_id: string | null;
  version: number | null;
  /** The writeId the schedule's action carries (core/jobs/store.ts); null with the definition, or a legacy schedule's. */
  write_id: string | null;
  /** The job (JSON); null: unknown (a write whose outcome is not known, a deleted job). */
  definition: string | null;
  /** JSON object: writeId → when that write began (ISO), for the writes in progress. */
  pending: string;
  /** Incremented by every write that begins and every repair: a repair stores only if none came between. */
  seq: number;
  updated_at: string;
}

/** A backfill asked of a job's schedule (core/jobs/backfills.ts): times are ISO 8601 UTC. */
export interface JobBackfillsTable {
  id: string;
  job_id: string;
  /** '' for a legacy job (no incarnation). */
  incarnation: string;
  /** The range asked for, both ends inclusive (Temporal's backfill). */
  from_at: string;
  to_at: string;
  overlap: string;
  /** How many fire times the range held when it was asked for. */
  fire_times: number;
  requested_by: string;
  requested_at: string;
}

/** An alert rule (core/alerts/model.ts): on one job (`job_id`) or on every job (null: admins only). */
export interface AlertRulesTable {
  /** `alr_…` */
  id: string;
  /** Who manages it; a webhook's secret references resolve for this owner. */
  owner_id: string;
  job_id: string | null;
  /** The creation of the job the rule was made for ('' for a global rule or a legacy job): a re-created id does not inherit it. */
  incarnation: string;
  name: string;
  enabled: number;
  /** JSON: AlertCondition. */
  condition: string;
  /** JSON: AlertChannel (secret references unresolved). */
  channel: string;
  created_at: string;
  updated_at: string;
}

export type AlertDeliveryStatus = 'pending' | 'sent' | 'failed';

/** One alert to deliver: unique per rule, run and event, so an event is delivered once. */
export interface AlertDeliveriesTable {
  /** `dlv_…`, derived from rule, run and event (the notify workflow's id carries it). */
  id: string;
  rule_id: string;
  /** The rule's owner when the delivery was made (who may list it). */
  owner_id: string;
  job_id: string;
  /** The run's id; for a fire time that did not run, `<jobId>@<scheduled time>`. */
  run_id: string;
  event: string;
  channel: 'webhook' | 'email';
  /** JSON: the template values of the event (core/alerts/template.ts AlertContext); never a secret. */
  context: string;
  attempts: number;
  status: AlertDeliveryStatus;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
}

/** A job's current run of failures (finished runs only; stopped runs leave it as it is). */
export interface AlertStreaksTable {
  job_id: string;
  /** Consecutive failed runs up to and including `last_run_id`. */
  failures: number;
  /** The streak before `last_run_id` (a success after failures is a recovery). */
  previous: number;
  last_run_id: string;
  updated_at: string;
}

/**
 * A fire time of a job's schedule that did not run (#17, core/runs/recorder.ts): skipped by a
 * decision (overlap policy, pause, run cap, end date) or missed (nothing was there to run it). One
 * row per (job, incarnation, scheduled time), written once; deleted with its job.
 */
export interface RunSkipsTable {
  /** `<jobId>-<scheduled time, RFC 3339 to the second>-<status>`: the row's run id in the API. */
  id: string;
  job_id: string;
  /** '' for a legacy job. */
  incarnation: string;
  owner_id: string;
  /** The job's dialect (KairosDialect): the run overview filters on it. */
  dialect: string;
  job_name: string;
  scheduled_at: string;
  status: 'skipped' | 'missed';
  /** A SkipReason (core/runs/types.ts). */
  reason: string;
  detail: string | null;
  recorded_at: string;
}

/** How far the recorder has looked at a job's fire times (a per-job watermark). */
export interface RunSkipMarksTable {
  job_id: string;
  incarnation: string;
  /** Fire times at or before this instant are judged. */
  checked_until: string;
  /** 1 once the end date or the run cap's row is written: the job fires no more. */
  closed: number;
}

/** Two digits of a histogram bucket column (core/runs/rollup.ts HISTOGRAM_BUCKETS = 18). */
export type HistogramBucket = '00' | '01' | '02' | '03' | '04' | '05' | '06' | '07' | '08' | '09' | '10' | '11' | '12' | '13' | '14' | '15' | '16' | '17';

/**
 * The hourly run rollup (core/runs/stats-store.ts): per job creation and UTC hour, the ended runs
 * by outcome, and duration and lateness as count, sum, max (ms) and histogram buckets (`d00`…,
 * `l00`…, non-cumulative). Pruned after ROLLUP_RETENTION_MS.
 */
export type RunStatsHourlyTable = {
  job_id: string;
  /** '' for a legacy job. */
  incarnation: string;
  /** The hour's start, ISO-8601 UTC. */
  hour: string;
  owner_id: string;
  succeeded: number;
  failed: number;
  aborted: number;
  skipped: number;
  duration_count: number;
  /** bigint: PostgreSQL returns it as a string. */
  duration_sum_ms: number | string;
  duration_max_ms: number | string;
  lateness_count: number;
  lateness_sum_ms: number | string;
  lateness_max_ms: number | string;
} & Record<`d${HistogramBucket}` | `l${HistogramBucket}`, number>;

/** Every table, for `Kysely<Tables>`. */
export interface Tables {
  principals: PrincipalsTable;
  team_members: TeamMembersTable;
  api_keys: ApiKeysTable;
  sessions: SessionsTable;
  secrets: SecretsTable;
  secret_shares: SecretSharesTable;
  job_shares: JobSharesTable;
  favorites: FavoritesTable;
  natural_ids: NaturalIdsTable;
  id_sequences: IdSequencesTable;
  job_versions: JobVersionsTable;
  audit_events: AuditEventsTable;
  settings: SettingsTable;
  job_heads: JobHeadsTable;
  job_backfills: JobBackfillsTable;
  alert_rules: AlertRulesTable;
  alert_deliveries: AlertDeliveriesTable;
  alert_streaks: AlertStreaksTable;
  run_skips: RunSkipsTable;
  run_skip_marks: RunSkipMarksTable;
  run_stats_hourly: RunStatsHourlyTable;
}

export type PrincipalRow = Selectable<PrincipalsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type JobVersionRow = Selectable<JobVersionsTable>;
export type AuditEventRow = Selectable<AuditEventsTable>;
export type NewAuditEvent = Insertable<AuditEventsTable>;
export type RunSkipRow = Selectable<RunSkipsTable>;
export type PrincipalUpdate = Updateable<PrincipalsTable>;
