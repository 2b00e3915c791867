// The alert tables (core/db/schema.ts): rules, deliveries and failure streaks. Queries only; who may
// do what is decided by the callers (core/alerts/rules.ts for the API, events.ts in the worker).
import { createHash, randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Db } from '../db/open.ts';
import type { AlertDeliveriesTable, AlertRulesTable } from '../db/schema.ts';
import type { AlertChannel, AlertCondition, AlertDelivery, AlertEvent, AlertRule } from './model.ts';
import { nextStreak, type Streak } from './evaluate.ts';

export type RuleRow = Selectable<AlertRulesTable>;
export type DeliveryRow = Selectable<AlertDeliveriesTable>;

/** A rule's stored form as the API shows it. */
export function ruleOf(r: RuleRow): AlertRule {
  return {
    id: r.id,
    name: r.name,
    ownerId: r.owner_id,
    jobId: r.job_id,
    enabled: r.enabled === 1,
    when: JSON.parse(r.condition) as AlertCondition,
    channel: JSON.parse(r.channel) as AlertChannel,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** A delivery's stored form as the API shows it. */
export function deliveryOf(d: DeliveryRow): AlertDelivery {
  return {
    id: d.id,
    ruleId: d.rule_id,
    jobId: d.job_id,
    runId: d.run_id,
    event: d.event as AlertEvent,
    channel: d.channel,
    attempts: d.attempts,
    status: d.status,
    lastError: d.last_error,
    createdAt: d.created_at,
    sentAt: d.sent_at,
  };
}

/** A delivery's id: the same rule, run and event always give the same id (and notify workflow id). */
export function deliveryId(ruleId: string, runId: string, event: AlertEvent): string {
  return `dlv_${createHash('sha256').update(`${ruleId}\u0000${runId}\u0000${event}`).digest('hex').slice(0, 32)}`;
}

/** What a rule is saved with. */
export interface RuleWrite {
  ownerId: string;
  jobId: string | null;
  incarnation: string;
  name: string;
  enabled: boolean;
  when: AlertCondition;
  channel: AlertChannel;
}

/** Error texts are kept short in the table (a target's answer could be long). */
const MAX_ERROR = 2000;

/** A rule write as its row's columns (all but the id and the times). */
function ruleColumns(w: RuleWrite): Omit<RuleRow, 'id' | 'created_at' | 'updated_at'> {
  return {
    owner_id: w.ownerId,
    job_id: w.jobId,
    incarnation: w.incarnation,
    name: w.name,
    enabled: w.enabled ? 1 : 0,
    condition: JSON.stringify(w.when),
    channel: JSON.stringify(w.channel),
  };
}

/** Queries of the alert tables (see the top of this file). */
export class AlertStore {
  constructor(
    private readonly db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async createRule(w: RuleWrite): Promise<RuleRow> {
    const at = this.now().toISOString();
    const row: RuleRow = { id: `alr_${randomUUID().replace(/-/g, '')}`, ...ruleColumns(w), created_at: at, updated_at: at };
    await this.db.kysely.insertInto('alert_rules').values(row).execute();
    return row;
  }

  async replaceRule(id: string, w: RuleWrite): Promise<RuleRow | undefined> {
    await this.db.kysely
      .updateTable('alert_rules')
      .set({
        ...ruleColumns(w),
        updated_at: this.now().toISOString(),
      })
      .where('id', '=', id)
      .execute();
    return await this.rule(id);
  }

  async deleteRule(id: string): Promise<void> {
    // Deliveries go with the rule (foreign key, on delete cascade); SQLite enforces it per connection
    // only when asked, so they are deleted here as well.
    await this.db.kysely.transaction().execute(async (trx) => {
      await trx.deleteFrom('alert_deliveries').where('rule_id', '=', id).execute();
      await trx.deleteFrom('alert_rules').where('id', '=', id).execute();
    });
  }

  async rule(id: string): Promise<RuleRow | undefined> {
    if (id.includes('\u0000')) return undefined;
    return await this.db.kysely.selectFrom('alert_rules').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Every rule, or those on one job; oldest first. */
  async rules(filter: { jobId?: string } = {}): Promise<RuleRow[]> {
    let q = this.db.kysely.selectFrom('alert_rules').selectAll();
    if (filter.jobId !== undefined) q = q.where('job_id', '=', filter.jobId);
    return await q.orderBy('created_at').orderBy('id').limit(10_000).execute();
  }

  /** The enabled rules that watch `jobId`: its own and the global ones. */
  async activeRulesFor(jobId: string): Promise<RuleRow[]> {
    return await this.db.kysely
      .selectFrom('alert_rules')
      .selectAll()
      .where('enabled', '=', 1)
      .where((eb) => eb.or([eb('job_id', '=', jobId), eb('job_id', 'is', null)]))
      .orderBy('id')
      .execute();
  }

  /** Records run `runId`'s outcome in the job's streak (once per run) and returns the streak after it. */
  async recordOutcome(jobId: string, runId: string, outcome: 'succeeded' | 'failed'): Promise<Streak> {
    return await this.db.kysely.transaction().execute(async (trx) => {
      // PostgreSQL: the row is locked until the transaction ends, so two runs of one job finishing at
      // once count one after the other (SQLite's writes are serialised by its own lock).
      const select = trx.selectFrom('alert_streaks').selectAll().where('job_id', '=', jobId);
      const row = await (this.db.backend === 'postgres' ? select.forUpdate() : select).executeTakeFirst();
      const next = nextStreak(row ? { failures: row.failures, previous: row.previous, lastRunId: row.last_run_id } : undefined, runId, outcome);
      const values = { failures: next.failures, previous: next.previous, last_run_id: runId, updated_at: this.now().toISOString() };
      if (row) await trx.updateTable('alert_streaks').set(values).where('job_id', '=', jobId).execute();
      else await trx.insertInto('alert_streaks').values({ job_id: jobId, ...values }).execute();
      return next;
    });
  }

  /** Records a delivery unless one exists for the same rule, run and event; returns its id either way. */
  async addDelivery(d: { ruleId: string; ownerId: string; jobId: string; runId: string; event: AlertEvent; channel: 'webhook' | 'email'; context: unknown }): Promise<string> {
    const id = deliveryId(d.ruleId, d.runId, d.event);
    await this.db.kysely
      .insertInto('alert_deliveries')
      .values({
        id,
        rule_id: d.ruleId,
        owner_id: d.ownerId,
        job_id: d.jobId,
        run_id: d.runId,
        event: d.event,
        channel: d.channel,
        context: JSON.stringify(d.context),
        attempts: 0,
        status: 'pending',
        last_error: null,
        created_at: this.now().toISOString(),
        sent_at: null,
      })
      .onConflict((oc) => oc.columns(['rule_id', 'run_id', 'event']).doNothing())
      .execute();
    return id;
  }

  async delivery(id: string): Promise<DeliveryRow | undefined> {
    return await this.db.kysely.selectFrom('alert_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Counts an attempt (before it is made, so a crash mid-attempt still counts it). */
  async attemptStarted(id: string, attempt: number): Promise<void> {
    await this.db.kysely.updateTable('alert_deliveries').set({ attempts: attempt }).where('id', '=', id).where('status', '=', 'pending').execute();
  }

  async sent(id: string): Promise<void> {
    await this.db.kysely.updateTable('alert_deliveries').set({ status: 'sent', sent_at: this.now().toISOString(), last_error: null }).where('id', '=', id).where('status', '=', 'pending').execute();
  }

  async attemptFailed(id: string, message: string): Promise<void> {
    await this.db.kysely.updateTable('alert_deliveries').set({ last_error: message.slice(0, MAX_ERROR) }).where('id', '=', id).where('status', '=', 'pending').execute();
  }

  /** Final: every attempt failed (or the delivery could not be made at all). Never tried again. */
  async failed(id: string, message: string): Promise<void> {
    await this.db.kysely.updateTable('alert_deliveries').set({ status: 'failed', last_error: message.slice(0, MAX_ERROR) }).where('id', '=', id).where('status', '=', 'pending').execute();
  }

  /** Deliveries, newest first, filtered; `before` is the cursor (created_at and id of the last one seen). */
  async deliveries(f: { ruleIds?: readonly string[]; ruleId?: string; jobId?: string; status?: DeliveryRow['status']; limit: number; before?: { createdAt: string; id: string } }): Promise<DeliveryRow[]> {
    let q = this.db.kysely.selectFrom('alert_deliveries').selectAll();
    if (f.ruleIds !== undefined) {
      if (f.ruleIds.length === 0) return [];
      q = q.where('rule_id', 'in', [...f.ruleIds]);
    }
    if (f.ruleId !== undefined) q = q.where('rule_id', '=', f.ruleId);
    if (f.jobId !== undefined) q = q.where('job_id', '=', f.jobId);
    if (f.status !== undefined) q = q.where('status', '=', f.status);
    const b = f.before;
    if (b) q = q.where((eb) => eb.or([eb('created_at', '<', b.createdAt), eb.and([eb('created_at', '=', b.createdAt), eb('id', '<', b.id)])]));
    return await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit).execute();
  }
}
