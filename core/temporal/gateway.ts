// The one way core talks to Temporal. Every schedule, workflow, visibility and task-queue call goes
// through here, runs in the client's namespace with its identity, and fails with a domain error
// (./errors.ts), never with a gRPC status. Raw RPCs are used where the SDK's handles lack something
// Kairos needs (a schedule update's conflict token, an initial patch on create, visibility pages
// with their token); typed SDK calls where they fit (workflow start, cancel, terminate).
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { LoadedDataConverter, SearchAttributePair } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { validationError } from '../errors.ts';
import { guard, type Subject } from './errors.ts';
import { ensureTemporalSetup, type TemporalSetupMode, type TemporalSetupReport } from './setup.ts';
import { dateToTimestamp, decodePayloadAt, encodePayloads } from './payloads.ts';
import { enums } from './proto.ts';

type Payload = temporal.api.common.v1.IPayload;

/** A page of a listing: its items and the token of the next page (undefined on the last). */
export interface TemporalPage<T> {
  items: T[];
  nextPageToken: Uint8Array | undefined;
}

export interface PageRequest {
  query: string;
  pageSize: number;
  nextPageToken?: Uint8Array;
}

/** Overlap policies by the names the SDK uses ('SKIP', 'ALLOW_ALL', …). */
export type OverlapPolicy = temporal.api.enums.v1.ScheduleOverlapPolicy;

const tokenOf = (t: Uint8Array | null | undefined): Uint8Array | undefined => (t && t.length ? t : undefined);

/** A listing's next-page token as an opaque API cursor (base64url); null on the last page. */
export function cursorOf(token: Uint8Array | undefined): string | null {
  return token ? Buffer.from(token).toString('base64url') : null;
}

/**
 * The page token an API cursor stands for. Temporal's visibility tokens are JSON (SQL and
 * Elasticsearch visibility alike); one that is not is refused here with a 400, since the server
 * answers it with UNKNOWN after the SDK's retries (about 20 s) — a 500 for bad input.
 */
export function tokenOfCursor(cursor: string | undefined): Uint8Array | undefined {
  if (!cursor) return undefined;
  const token = Buffer.from(cursor, 'base64url');
  try {
    JSON.parse(token.toString('utf8'));
  } catch {
    throw validationError('invalid cursor', [{ path: 'query.cursor', message: 'not a cursor from this listing' }]);
  }
  return token;
}

/** Every item of a paged listing, page after page, until a page comes without a next token. */
async function* allPages<T>(page: (nextPageToken: Uint8Array | undefined) => Promise<TemporalPage<T>>): AsyncGenerator<T> {
  let nextPageToken: Uint8Array | undefined;
  do {
    const p = await page(nextPageToken);
    yield* p.items;
    nextPageToken = p.nextPageToken;
  } while (nextPageToken);
}

/** Schedule operations (a job is one schedule). */
export class TemporalSchedules {
  constructor(private readonly client: Client) {}

  private get base() {
    return { namespace: this.client.options.namespace, identity: this.client.options.identity };
  }

  async create(req: Omit<temporal.api.workflowservice.v1.ICreateScheduleRequest, 'namespace' | 'identity' | 'requestId'>, subject?: Subject): Promise<void> {
    await guard(() => this.client.workflowService.createSchedule({ ...req, ...this.base, requestId: randomUUID() }), subject);
  }

  async describe(scheduleId: string, subject?: Subject): Promise<temporal.api.workflowservice.v1.IDescribeScheduleResponse> {
    return await guard(() => this.client.workflowService.describeSchedule({ namespace: this.client.options.namespace, scheduleId }), subject);
  }

  /** Replaces the schedule; a stale `conflictToken` in the request fails as a conflict. */
  async update(req: Omit<temporal.api.workflowservice.v1.IUpdateScheduleRequest, 'namespace' | 'identity' | 'requestId'>, subject?: Subject): Promise<void> {
    await guard(() => this.client.workflowService.updateSchedule({ ...req, ...this.base, requestId: randomUUID() }), subject);
  }

  async patch(scheduleId: string, patch: temporal.api.schedule.v1.ISchedulePatch, subject?: Subject): Promise<void> {
    await guard(() => this.client.workflowService.patchSchedule({ ...this.base, scheduleId, patch, requestId: randomUUID() }), subject);
  }

  /** Starts the schedule's action now (a manual action: it never uses up remainingActions). */
  async trigger(scheduleId: string, overlapPolicy: OverlapPolicy | undefined, subject?: Subject): Promise<void> {
    await this.patch(scheduleId, { triggerImmediately: { overlapPolicy } }, subject);
  }

  /** Runs the actions the schedule would have started between `start` and `end`. */
  async backfill(scheduleId: string, ranges: { start: Date; end: Date; overlapPolicy?: OverlapPolicy }[], subject?: Subject): Promise<void> {
    const backfillRequest = ranges.map((r) => ({ startTime: dateToTimestamp(r.start), endTime: dateToTimestamp(r.end), overlapPolicy: r.overlapPolicy }));
    await this.patch(scheduleId, { backfillRequest }, subject);
  }

  async pause(scheduleId: string, note: string, subject?: Subject): Promise<void> {
    await this.patch(scheduleId, { pause: note }, subject);
  }

  async unpause(scheduleId: string, note: string, subject?: Subject): Promise<void> {
    await this.patch(scheduleId, { unpause: note }, subject);
  }

  async delete(scheduleId: string, subject?: Subject): Promise<void> {
    await guard(() => this.client.workflowService.deleteSchedule({ ...this.base, scheduleId }), subject);
  }

  /** One page of the schedule list (visibility: may lag a fresh write). */
  async listPage(req: PageRequest): Promise<TemporalPage<temporal.api.schedule.v1.IScheduleListEntry>> {
    const res = await guard(() =>
      this.client.workflowService.listSchedules({
        namespace: this.client.options.namespace,
        query: req.query,
        maximumPageSize: req.pageSize,
        nextPageToken: req.nextPageToken,
      }),
    );
    return { items: res.schedules ?? [], nextPageToken: tokenOf(res.nextPageToken) };
  }

  /** Every schedule matching `query`, page by page. */
  list(query: string, pageSize = 1000): AsyncGenerator<temporal.api.schedule.v1.IScheduleListEntry> {
    return allPages((nextPageToken) => this.listPage({ query, pageSize, nextPageToken }));
  }
}

export interface StartOptions {
  workflowId: string;
  taskQueue: string;
  args: unknown[];
  memo?: Record<string, unknown>;
  searchAttributes?: SearchAttributePair[];
  /** REJECT_DUPLICATE: a workflow id that ever ran is never started again (idempotent starts). */
  workflowIdReusePolicy?: 'ALLOW_DUPLICATE' | 'ALLOW_DUPLICATE_FAILED_ONLY' | 'REJECT_DUPLICATE';
  /** User metadata: the one line Temporal Web UI shows for the workflow, and its page's markdown details. */
  staticSummary?: string;
  staticDetails?: string;
}

/** Workflow operations and visibility queries over workflow executions. */
export class TemporalWorkflows {
  constructor(private readonly client: Client) {}

  private get namespace(): string {
    return this.client.options.namespace;
  }

  /** Starts a workflow; one with the same id already running (or, with REJECT_DUPLICATE, ever run) is a conflict. */
  async start(workflowType: string, opts: StartOptions, subject?: Subject): Promise<{ workflowId: string; runId: string }> {
    const handle = await guard(
      () =>
        this.client.workflow.start(workflowType, {
          taskQueue: opts.taskQueue,
          workflowId: opts.workflowId,
          args: opts.args,
          memo: opts.memo,
          typedSearchAttributes: opts.searchAttributes,
          workflowIdReusePolicy: opts.workflowIdReusePolicy,
          staticSummary: opts.staticSummary,
          staticDetails: opts.staticDetails,
        }),
      subject,
    );
    return { workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
  }

  async describe(workflowId: string, runId?: string, subject?: Subject): Promise<temporal.api.workflowservice.v1.IDescribeWorkflowExecutionResponse> {
    return await guard(() => this.client.workflowService.describeWorkflowExecution({ namespace: this.namespace, execution: { workflowId, runId } }), subject);
  }

  /** One page of executions matching a visibility query. */
  async listPage(req: PageRequest): Promise<TemporalPage<temporal.api.workflow.v1.IWorkflowExecutionInfo>> {
    const res = await guard(() =>
      this.client.workflowService.listWorkflowExecutions({ namespace: this.namespace, query: req.query, pageSize: req.pageSize, nextPageToken: req.nextPageToken }),
    );
    return { items: res.executions ?? [], nextPageToken: tokenOf(res.nextPageToken) };
  }

  /** Every execution matching `query`, page by page. */
  list(query: string, pageSize = 1000): AsyncGenerator<temporal.api.workflow.v1.IWorkflowExecutionInfo> {
    return allPages((nextPageToken) => this.listPage({ query, pageSize, nextPageToken }));
  }

  /** How many executions match (one count query). */
  async count(query: string): Promise<number> {
    const res = await guard(() => this.client.workflowService.countWorkflowExecutions({ namespace: this.namespace, query }));
    return Number(res.count ?? 0);
  }

  /** A `… GROUP BY` count: each group's count and its (JSON-decoded) group values. */
  async countGroups(query: string): Promise<{ count: number; values: unknown[] }[]> {
    const res = await guard(() => this.client.workflowService.countWorkflowExecutions({ namespace: this.namespace, query }));
    return (res.groups ?? []).map((g) => ({
      count: Number(g.count ?? 0),
      values: (g.groupValues ?? []).map((p) => {
        const data = p.data ? Buffer.from(p.data).toString('utf8') : '';
        try {
          return JSON.parse(data) as unknown;
        } catch {
          return data;
        }
      }),
    }));
  }

  /** The events of one execution, page by page. */
  history(workflowId: string, runId?: string, subject?: Subject): AsyncGenerator<temporal.api.history.v1.IHistoryEvent> {
    return allPages(async (nextPageToken) => {
      const res = await guard(
        () => this.client.workflowService.getWorkflowExecutionHistory({ namespace: this.namespace, execution: { workflowId, runId }, nextPageToken, maximumPageSize: 1000 }),
        subject,
      );
      return { items: res.history?.events ?? [], nextPageToken: tokenOf(res.nextPageToken) };
    });
  }

  /** Requests cancellation (cooperative: the workflow and its activities see it). */
  async cancel(workflowId: string, runId?: string, subject?: Subject): Promise<void> {
    await guard(() => this.client.workflow.getHandle(workflowId, runId).cancel(), subject);
  }

  /** Ends the execution at once; no workflow code runs. */
  async terminate(workflowId: string, runId: string | undefined, reason: string, subject?: Subject): Promise<void> {
    await guard(() => this.client.workflow.getHandle(workflowId, runId).terminate(reason), subject);
  }

  /** Deletes a closed execution and its history. */
  async delete(workflowId: string, runId: string, subject?: Subject): Promise<void> {
    await guard(() => this.client.workflowService.deleteWorkflowExecution({ namespace: this.namespace, workflowExecution: { workflowId, runId } }), subject);
  }
}

/** The gateway: schedules, workflows, payload conversion, task queues. */
export class TemporalGateway {
  readonly schedules: TemporalSchedules;
  readonly workflows: TemporalWorkflows;

  constructor(private readonly client: Client) {
    this.schedules = new TemporalSchedules(client);
    this.workflows = new TemporalWorkflows(client);
  }

  get namespace(): string {
    return this.client.options.namespace;
  }

  /** Creates (or, in `check` mode, verifies) the namespace and Kairos's search attributes; see ./setup.ts. */
  async ensureSetup(mode: TemporalSetupMode): Promise<TemporalSetupReport> {
    return await ensureTemporalSetup(this.client.connection, { namespace: this.namespace, mode });
  }

  private get converter(): LoadedDataConverter {
    return this.client.options.loadedDataConverter;
  }

  /** Values as payloads through the client's data converter (and codecs, if any). */
  async encode(...values: unknown[]): Promise<Payload[]> {
    return await encodePayloads(this.converter, ...values);
  }

  /**
   * User metadata (Web UI's summary line and details) for a raw start request such as a schedule's
   * action, encoded as the SDK encodes a workflow start's staticSummary and staticDetails.
   */
  async userMetadata(summary: string, details?: string): Promise<temporal.api.sdk.v1.IUserMetadata> {
    const [s] = await this.encode(summary);
    const d = details === undefined ? undefined : (await this.encode(details))[0];
    return { summary: s, details: d };
  }

  /** The value at `index` of payloads written by a data converter like the client's. */
  async decode<T>(index: number, payloads: Payload[] | null | undefined): Promise<T> {
    return await decodePayloadAt<T>(this.converter, index, payloads);
  }

  /** How many workers poll a task queue for workflow tasks (0: no worker would run a workflow). */
  async workflowPollers(taskQueue: string): Promise<number> {
    const res = await guard(() =>
      this.client.workflowService.describeTaskQueue({
        namespace: this.namespace,
        taskQueue: { name: taskQueue, kind: enums.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        taskQueueType: enums.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      }),
    );
    return (res.pollers ?? []).length;
  }

  /** Closes the connection (the process may exit once nothing else holds it). */
  async close(): Promise<void> {
    await this.client.connection.close();
  }
}
