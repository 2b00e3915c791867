// The versioned migrations of Kairos's state store, in order. Applied at start by core/db/open.ts
// under a lock (PostgreSQL: an advisory lock; SQLite: an immediate transaction), so processes that
// start together apply each once. A migration, once released, never changes: a new shape is a new
// entry. Names sort in the order they apply.
import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** Which backend a migration runs on: the few column types that differ are chosen by it. */
export type Backend = 'sqlite' | 'postgres';

// The migrations build the schema through an untyped handle: the typed one (core/db/schema.ts)
// describes the result, not the steps that lead to it.
type AnyDb = Kysely<unknown>;

function initial(backend: Backend): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('principals')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('user', 'team')`))
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('admin', 'user')`))
        .addColumn('password_hash', 'text')
        .addColumn('credential_version', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('team_members')
        .addColumn('team_id', 'text', (c) => c.notNull().references('principals.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('principals.id').onDelete('cascade'))
        .addColumn('added_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('team_members_pk', ['team_id', 'user_id'])
        .execute();
      await db.schema.createIndex('team_members_user').on('team_members').column('user_id').execute();

      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('owner_id', 'text', (c) => c.notNull().references('principals.id').onDelete('cascade'))
        .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('admin', 'user')`))
        .addColumn('key_hash', 'text', (c) => c.notNull().unique())
        .addColumn('prefix', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_used_at', 'text')
        .execute();
      await db.schema.createIndex('api_keys_owner').on('api_keys').column('owner_id').execute();

      await db.schema
        .createTable('sessions')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('principals.id').onDelete('cascade'))
        .addColumn('credential_version', 'integer', (c) => c.notNull())
        .addColumn('csrf_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
      await db.schema.createIndex('sessions_expiry').on('sessions').column('expires_at').execute();

      await db.schema
        .createTable('secrets')
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('ciphertext', 'text', (c) => c.notNull())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('secrets_pk', ['owner_id', 'name'])
        .execute();

      await db.schema
        .createTable('secret_shares')
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('principal_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('secret_shares_pk', ['owner_id', 'name', 'principal_id'])
        .addForeignKeyConstraint('secret_shares_secret', ['owner_id', 'name'], 'secrets', ['owner_id', 'name'], (fk) => fk.onDelete('cascade'))
        .execute();
      await db.schema.createIndex('secret_shares_principal').on('secret_shares').column('principal_id').execute();

      await db.schema
        .createTable('job_shares')
        .addColumn('job_id', 'text', (c) => c.notNull())
        .addColumn('incarnation', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('principal_id', 'text', (c) => c.notNull())
        .addColumn('level', 'text', (c) => c.notNull().check(sql`level in ('read', 'run', 'edit', 'admin')`))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text')
        .addPrimaryKeyConstraint('job_shares_pk', ['job_id', 'principal_id'])
        .execute();
      await db.schema.createIndex('job_shares_principal').on('job_shares').column('principal_id').execute();

      await db.schema
        .createTable('favorites')
        .addColumn('principal_id', 'text', (c) => c.notNull())
        .addColumn('job_id', 'text', (c) => c.notNull())
        .addColumn('incarnation', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('favorites_pk', ['principal_id', 'job_id'])
        .execute();
      await db.schema.createIndex('favorites_job').on('favorites').column('job_id').execute();

      await db.schema
        .createTable('natural_ids')
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('slug', 'text', (c) => c.notNull())
        .addColumn('job_id', 'text', (c) => c.notNull())
        .addColumn('incarnation', 'text', (c) => c.notNull().defaultTo(''))
        .addPrimaryKeyConstraint('natural_ids_pk', ['owner_id', 'slug'])
        .execute();
      await db.schema.createIndex('natural_ids_job').on('natural_ids').column('job_id').execute();

      await db.schema
        .createTable('id_sequences')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('next_value', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('job_versions')
        .addColumn('job_id', 'text', (c) => c.notNull())
        .addColumn('incarnation', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('applied', 'draft', 'closed')`))
        .addColumn('author_id', 'text')
        .addColumn('surface', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('definition', 'text', (c) => c.notNull())
        .addColumn('diff', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('job_versions_pk', ['job_id', 'incarnation', 'version'])
        .execute();

      await db.schema
        .createTable('audit_events')
        .addColumn('id', backend === 'postgres' ? 'bigserial' : 'integer', (c) => (backend === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('principal_id', 'text')
        .addColumn('principal_name', 'text')
        .addColumn('surface', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('job_id', 'text')
        .addColumn('target', 'text')
        .addColumn('outcome', 'text', (c) => c.notNull().check(sql`outcome in ('ok', 'denied', 'failed')`))
        .addColumn('detail', 'text')
        .execute();
      await db.schema.createIndex('audit_events_at').on('audit_events').column('at').execute();
      await db.schema.createIndex('audit_events_job').on('audit_events').columns(['job_id', 'at']).execute();
      await db.schema.createIndex('audit_events_principal').on('audit_events').columns(['principal_id', 'at']).execute();

      await db.schema
        .createTable('settings')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
  };
}

/**
 * The read model of jobs (core/jobs/heads.ts): one row per job id, so that reads of a job need not
 * query its schedule's scheduler workflow. `seq` counts the writes begun on the row (and repairs).
 */
function jobHeads(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('job_heads')
        .addColumn('job_id', 'text', (c) => c.primaryKey())
        .addColumn('incarnation', 'text')
        .addColumn('owner_id', 'text')
        .addColumn('version', 'integer')
        .addColumn('write_id', 'text')
        .addColumn('definition', 'text')
        .addColumn('pending', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('seq', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
  };
}

/**
 * The backfills asked of job schedules (core/jobs/backfills.ts). Temporal's backfill starts the
 * schedule's own action, so its runs look like scheduled ones; this record is how a run is told to
 * be a backfill's (runJob asks, and marks it `backfill`).
 */
function jobBackfills(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('job_backfills')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('job_id', 'text', (c) => c.notNull())
        .addColumn('incarnation', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('from_at', 'text', (c) => c.notNull())
        .addColumn('to_at', 'text', (c) => c.notNull())
        .addColumn('overlap', 'text', (c) => c.notNull())
        .addColumn('fire_times', 'integer', (c) => c.notNull())
        .addColumn('requested_by', 'text', (c) => c.notNull())
        .addColumn('requested_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('job_backfills_job').on('job_backfills').columns(['job_id', 'requested_at']).execute();
    },
  };
}

/**
 * Alerts (core/alerts): the rules, one row per delivery (unique per rule, run and event: the record
 * that makes a delivery happen once), and each job's failure streak (for `consecutiveFailures` and
 * `recovered`). A rule's deliveries go with it.
 */
function alerts(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('alert_rules')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('job_id', 'text')
        .addColumn('incarnation', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('condition', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('alert_rules_job').on('alert_rules').column('job_id').execute();
      await db.schema.createIndex('alert_rules_owner').on('alert_rules').column('owner_id').execute();

      await db.schema
        .createTable('alert_deliveries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('rule_id', 'text', (c) => c.notNull().references('alert_rules.id').onDelete('cascade'))
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('job_id', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('context', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'sent', 'failed')`))
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('sent_at', 'text')
        .addUniqueConstraint('alert_deliveries_once', ['rule_id', 'run_id', 'event'])
        .execute();
      await db.schema.createIndex('alert_deliveries_created').on('alert_deliveries').columns(['created_at', 'id']).execute();
      await db.schema.createIndex('alert_deliveries_job').on('alert_deliveries').columns(['job_id', 'created_at']).execute();

      await db.schema
        .createTable('alert_streaks')
        .addColumn('job_id', 'text', (c) => c.primaryKey())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('previous', 'integer', (c) => c.notNull())
        .addColumn('last_run_id', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
  };
}

/**
 * Fire times that did not run (#17; core/runs/recorder.ts): one row each, unique per job creation
 * and scheduled time so that recorders on several instances write it once; and the per-job
 * watermark that keeps each tick's work to the fire times since the last one.
 */
function runSkips(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('run_skips')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('job_id', 'text', (c) => c.notNull())
        .addColumn('incarnation', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('dialect', 'text', (c) => c.notNull())
        .addColumn('job_name', 'text', (c) => c.notNull())
        .addColumn('scheduled_at', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('skipped', 'missed')`))
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('detail', 'text')
        .addColumn('recorded_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('run_skips_fire_time', ['job_id', 'incarnation', 'scheduled_at'])
        .execute();
      await db.schema.createIndex('run_skips_owner').on('run_skips').columns(['owner_id', 'scheduled_at']).execute();
      await db.schema.createIndex('run_skips_at').on('run_skips').column('scheduled_at').execute();
      await db.schema
        .createTable('run_skip_marks')
        .addColumn('job_id', 'text', (c) => c.notNull())
        .addColumn('incarnation', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('checked_until', 'text', (c) => c.notNull())
        .addColumn('closed', 'integer', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('run_skip_marks_pk', ['job_id', 'incarnation'])
        .execute();
    },
  };
}

/**
 * The hourly run rollup (core/runs/rollup.ts, issue #18 charts): one row per job creation and UTC
 * hour, added to by the workers as runs end. Duration and lateness are kept as count, sum, max and
 * 18 histogram buckets each (`d00`…`d17`, `l00`…`l17`: the bounds of HISTOGRAM_BOUNDS_S, then +Inf),
 * so an upsert only adds (`n = n + excluded.n`). Sums and maxima are milliseconds (bigint: a sum over
 * an hour of long runs passes 2^31).
 */
function runStatsHourly(): Migration {
  return {
    async up(db: AnyDb) {
      let t = db.schema
        .createTable('run_stats_hourly')
        .addColumn('job_id', 'text', (c) => c.notNull())
        .addColumn('incarnation', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('hour', 'text', (c) => c.notNull())
        .addColumn('owner_id', 'text', (c) => c.notNull());
      for (const c of ['succeeded', 'failed', 'aborted', 'skipped']) t = t.addColumn(c, 'integer', (col) => col.notNull().defaultTo(0));
      for (const m of ['duration', 'lateness']) {
        t = t.addColumn(`${m}_count`, 'integer', (col) => col.notNull().defaultTo(0));
        t = t.addColumn(`${m}_sum_ms`, 'bigint', (col) => col.notNull().defaultTo(0));
        t = t.addColumn(`${m}_max_ms`, 'bigint', (col) => col.notNull().defaultTo(0));
        for (let i = 0; i < 18; i++) t = t.addColumn(`${m[0]}${String(i).padStart(2, '0')}`, 'integer', (col) => col.notNull().defaultTo(0));
      }
      await t.addPrimaryKeyConstraint('run_stats_hourly_pk', ['job_id', 'incarnation', 'hour']).execute();
      await db.schema.createIndex('run_stats_hourly_owner').on('run_stats_hourly').columns(['owner_id', 'hour']).execute();
      await db.schema.createIndex('run_stats_hourly_hour').on('run_stats_hourly').column('hour').execute();
    },
  };
}

/** Every migration for `backend`, keyed by name (applied in name order). */
export function migrations(backend: Backend): Record<string, Migration> {
  return {
    '0001_initial': initial(backend),
    '0002_job_heads': jobHeads(),
    '0003_job_backfills': jobBackfills(),
    '0004_alerts': alerts(),
    '0005_run_skips': runSkips(),
    '0006_run_stats_hourly': runStatsHourly(),
  };
}
