// The worker's side of alerts: an event about a job (a run finished, a run has run long, a fire time
// did not run) is matched against the rules that watch the job; each rule it fires gets one delivery
// row (unique per rule, run and event) and one `kairosNotify` workflow whose id is derived from the
// same three, started with REJECT_DUPLICATE. A retried activity, a replayed workflow or a second
// report of the same fire time therefore finds the row and the workflow there and adds nothing:
// Temporal's workflow-id uniqueness is what makes a delivery happen once.
//
// Who hears about what is the access policy's: a rule on a job fires only for the creation of the job
// it was made for (a re-created id does not inherit it) and only while its owner may still read the
// job; a global rule fires only while its owner is an admin.
import type { Db } from '../db/open.ts';
import type { Job, RunOutcome } from '../jobs/model.ts';
import type { RunError } from '../runs/types.ts';
import { KairosError } from '../errors.ts';
import type { TemporalGateway } from '../temporal/gateway.ts';
import { NOTIFY_WORKFLOW, notifyWorkflowId } from '../temporal/contract.ts';
import { firedEvent, thresholdsOf, type AlertSignal, type Streak } from './evaluate.ts';
import { MAX_LONGER_THAN_THRESHOLDS, type AlertCondition, type AlertChannel, type AlertEvent } from './model.ts';
import { AlertStore, type RuleRow } from './store.ts';
import { summarize, type AlertContext } from './template.ts';

/** Whether a principal may read a job now (core/sharing/job-side-state.ts JobSideState). */
export interface JobReader {
  mayRead(principalId: string, job: Job): Promise<boolean>;
}

/** A principal's role now (core/sharing/job-side-state.ts rolesFrom). */
export type RoleLookup = (principalId: string) => Promise<'admin' | 'user' | undefined>;

/** What runJob reports: a finished run, or a run still running past a `longerThan` threshold. */
export interface RunAlertInput {
  job: Job;
  /** The run's id (its workflow id). */
  runId: string;
  trigger: string;
  scheduledAt?: string;
  startedAt: string;
  signal:
    | { kind: 'finished'; outcome: Extract<RunOutcome, 'succeeded' | 'failed'>; endedAt: string; durationMs: number; attempts?: number; error?: RunError }
    | { kind: 'running'; thresholdMs: number };
}

/** What watches a run (AlertEvents.watch). */
export interface RunWatch {
  watched: boolean;
  thresholds: number[];
}

/** What the skips recorder reports for a fire time that did not run (issue #17). */
export interface RunNotHappened {
  jobId: string;
  /** The fire time (ISO). */
  scheduledAt: string;
  /** Why (core/runs/types.ts SkipReason). */
  reason: string;
  status: 'skipped' | 'missed';
}

/** What AlertEvents needs. */
export interface AlertEventsDeps {
  db: Db;
  temporal: TemporalGateway;
  taskQueue: string;
  roleOf: RoleLookup;
  jobs: JobReader;
  /** KAIROS_PUBLIC_URL (no trailing slash): links in alerts start with it. */
  publicUrl: string;
  now?: () => Date;
}

/** Human text for a threshold in ms ("90 s", "15 min", "2 h"). */
function durationText(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
}

/** The worker's side of alerts (see the top of this file): events in, deliveries started. */
export class AlertEvents {
  private readonly store: AlertStore;
  private readonly now: () => Date;

  constructor(private readonly deps: AlertEventsDeps) {
    this.now = deps.now ?? (() => new Date());
    this.store = new AlertStore(deps.db, this.now);
  }

  /**
   * What watches a run of `jobId`, asked once at its start: whether any enabled rule does (none: the
   * run reports nothing at its end, so jobs without alerts pay one indexed query per run), and the
   * `longerThan` thresholds (ms, shortest first): the timers runJob sets.
   */
  async watch(jobId: string): Promise<RunWatch> {
    const rules = await this.store.activeRulesFor(jobId);
    return {
      watched: rules.length > 0,
      thresholds: thresholdsOf(
        rules.map((r) => JSON.parse(r.condition) as AlertCondition),
        MAX_LONGER_THAN_THRESHOLDS,
      ),
    };
  }

  /** A run event from runJob: updates the failure streak (finished runs) and starts the deliveries it fires. */
  async onRunEvent(input: RunAlertInput): Promise<string[]> {
    const { job, signal } = input;
    let streak: Streak | undefined;
    let alertSignal: AlertSignal;
    if (signal.kind === 'finished') {
      streak = await this.store.recordOutcome(job.id, input.runId, signal.outcome);
      alertSignal = { kind: 'finished', outcome: signal.outcome, streak };
    } else alertSignal = { kind: 'running', thresholdMs: signal.thresholdMs };
    return await this.fire(job, input.runId, alertSignal, (rule, event) => {
      const error = signal.kind === 'finished' ? (signal.error ?? null) : null;
      const streakCount = event === 'recovered' ? streak?.previous : streak?.failures;
      return {
        event,
        summary: summarize({
          event,
          jobName: job.name,
          error,
          streak: streakCount,
          durationText: signal.kind === 'running' ? durationText(signal.thresholdMs) : undefined,
        }),
        rule: { id: rule.id, name: rule.name },
        job: { id: job.id, name: job.name, type: job.type, ownerId: job.ownerId },
        run: {
          id: input.runId,
          status: signal.kind === 'finished' ? signal.outcome : 'running',
          trigger: input.trigger,
          ...(input.scheduledAt ? { scheduledAt: input.scheduledAt } : {}),
          startedAt: input.startedAt,
          ...(signal.kind === 'finished'
            ? { endedAt: signal.endedAt, durationMs: signal.durationMs, ...(signal.attempts !== undefined ? { attempts: signal.attempts } : {}) }
            : { durationMs: signal.thresholdMs }),
          // Only a finished run has a streak, and it fires only failed, consecutiveFailures or recovered.
          ...(streakCount !== undefined ? { consecutiveFailures: streakCount } : {}),
        },
        error,
        links: linksFor(this.deps.publicUrl, job.id, `/v1/runs/${encodeURIComponent(input.runId)}`),
        at: this.now().toISOString(),
      };
    });
  }

  /**
   * The entry point for a fire time that did not run (`skipped` by a decision, `missed` for lack of a
   * worker): the skips recorder calls it once per such fire time; calling it again for the same one
   * delivers nothing twice. Returns the deliveries started (none for a job Kairos does not know).
   */
  async notifyRunNotHappened(n: RunNotHappened): Promise<string[]> {
    const job = await this.jobOf(n.jobId);
    if (!job) return [];
    const runId = `${n.jobId}@${n.scheduledAt}`;
    return await this.fire(job, runId, { kind: 'notHappened', status: n.status }, (rule, event) => ({
      event,
      summary: summarize({ event, jobName: job.name, reason: n.reason, scheduledAt: n.scheduledAt }),
      rule: { id: rule.id, name: rule.name },
      job: { id: job.id, name: job.name, type: job.type, ownerId: job.ownerId },
      run: { id: runId, status: n.status, scheduledAt: n.scheduledAt, reason: n.reason },
      error: null,
      links: linksFor(this.deps.publicUrl, job.id, `/v1/jobs/${encodeURIComponent(job.id)}/runs`),
      at: this.now().toISOString(),
    }));
  }

  /** The job's definition as the state store's read model holds it (undefined: unknown or deleted). */
  private async jobOf(jobId: string): Promise<Job | undefined> {
    if (jobId.includes('\u0000')) return undefined;
    const row = await this.deps.db.kysely.selectFrom('job_heads').select('definition').where('job_id', '=', jobId).executeTakeFirst();
    return row?.definition ? (JSON.parse(row.definition) as Job) : undefined;
  }

  /** Whether `rule` may hear about `job` now (see the top of this file). */
  private async eligible(rule: RuleRow, job: Job): Promise<boolean> {
    if (rule.job_id === null) return (await this.deps.roleOf(rule.owner_id)) === 'admin';
    if (rule.job_id !== job.id || rule.incarnation !== (job.incarnation ?? '')) return false;
    return await this.deps.jobs.mayRead(rule.owner_id, job);
  }

  private async fire(job: Job, runId: string, signal: AlertSignal, contextOf: (rule: RuleRow, event: AlertEvent) => AlertContext): Promise<string[]> {
    const started: string[] = [];
    for (const rule of await this.store.activeRulesFor(job.id)) {
      const event = firedEvent(JSON.parse(rule.condition) as AlertCondition, signal);
      if (!event || !(await this.eligible(rule, job))) continue;
      const channel = (JSON.parse(rule.channel) as AlertChannel).type;
      const ctx = contextOf(rule, event);
      const id = await this.store.addDelivery({ ruleId: rule.id, ownerId: rule.owner_id, jobId: job.id, runId, event, channel, context: ctx });
      await this.startNotify(id, ctx);
      started.push(id);
    }
    return started;
  }

  /** Starts the delivery's workflow; one that exists already (a retry, a second report) is left alone. */
  private async startNotify(deliveryId: string, ctx: AlertContext): Promise<void> {
    try {
      await this.deps.temporal.workflows.start(NOTIFY_WORKFLOW, {
        workflowId: notifyWorkflowId(deliveryId),
        taskQueue: this.deps.taskQueue,
        args: [{ deliveryId }],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        staticSummary: `alert · ${ctx.rule.name} · ${ctx.event} · ${ctx.job.id}`.slice(0, 400),
      });
    } catch (err) {
      if (err instanceof KairosError && err.kind === 'conflict') return;
      throw err;
    }
  }
}

function linksFor(base: string, jobId: string, runPath: string): AlertContext['links'] {
  return { job: `${base}/v1/jobs/${encodeURIComponent(jobId)}`, run: `${base}${runPath}`, ui: `${base}/ui/#/jobs/${encodeURIComponent(jobId)}` };
}
