// The one map of Temporal failures to domain errors (core/temporal/errors.ts), against error objects
// built as the SDK receives or throws them: gRPC status errors as @grpc/grpc-js makes them (an Error
// with code, details and metadata; message "<code> <NAME>: <details>"), the SDK's own classes with
// the gRPC error as cause, and the real failures of a connection to a port nobody listens on.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { Metadata, status } from '@grpc/grpc-js';
import { Client, Connection, ScheduleAlreadyRunning, ScheduleNotFoundError, ServiceError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { NamespaceNotFoundError, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/common';
import { KairosError, Unavailable } from '../../../core/errors.ts';
import { classifyTemporalError, EXHAUSTED_RETRY_AFTER_SECONDS, guard, mapTemporalError } from '../../../core/temporal/errors.ts';
import { normalizeError } from '../../../api/errors.ts';

/** A gRPC status error exactly as @grpc/grpc-js's callErrorFromStatus builds it. */
function grpcError(code: status, details: string): Error & { code: status; details: string; metadata: Metadata } {
  return Object.assign(new Error(`${code} ${status[code]}: ${details}`), { code, details, metadata: new Metadata() });
}

const job = { what: 'job', id: 'nightly', field: 'id' };

function mapped(err: unknown, subject = job): KairosError {
  const out = mapTemporalError(err, subject);
  assert.ok(out instanceof KairosError, `mapped to a KairosError: ${String(out)}`);
  return out;
}

/** A port that was free a moment ago: connecting to it is refused. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const addr = srv.address();
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return typeof addr === 'object' && addr ? addr.port : 1;
}

describe('Temporal error map', () => {
  it('not found: NOT_FOUND, WorkflowNotFoundError, ScheduleNotFoundError → not_found naming the subject', () => {
    for (const err of [
      grpcError(status.NOT_FOUND, 'schedule not found'),
      new ServiceError('Failed to describe schedule', { cause: grpcError(status.NOT_FOUND, 'schedule not found') }),
      new WorkflowNotFoundError('workflow not found', 'nightly-1', undefined),
      new ScheduleNotFoundError('schedule not found', 'nightly'),
    ]) {
      const e = mapped(err);
      assert.equal(e.kind, 'not_found', err.message);
      assert.equal(e.message, "job 'nightly' not found");
      assert.equal(e.cause, err, 'the original is kept for the log');
    }
  });

  it('conflict: ALREADY_EXISTS, WorkflowExecutionAlreadyStarted, ScheduleAlreadyRunning → conflict on the id field', () => {
    for (const err of [
      grpcError(status.ALREADY_EXISTS, 'schedule with this ID is already registered'),
      new WorkflowExecutionAlreadyStartedError('Workflow execution already started', 'nightly', 'runJob'),
      new ScheduleAlreadyRunning('Schedule already exists and is running', 'nightly'),
    ]) {
      const e = mapped(err);
      assert.equal(e.kind, 'conflict', err.message);
      assert.equal(e.message, "job 'nightly' already exists");
      assert.deepEqual(e.details, [{ path: 'id', message: 'already exists' }]);
    }
  });

  it("a stale conflict token (FAILED_PRECONDITION 'mismatched conflict token') → conflict: changed concurrently", () => {
    const e = mapped(grpcError(status.FAILED_PRECONDITION, 'mismatched conflict token'));
    assert.equal(e.kind, 'conflict');
    assert.match(e.message, /was changed concurrently/);
  });

  it('invalid: INVALID_ARGUMENT, OUT_OF_RANGE and other FAILED_PRECONDITION → validation (400)', () => {
    for (const err of [
      grpcError(status.INVALID_ARGUMENT, 'invalid query'),
      grpcError(status.OUT_OF_RANGE, 'page token out of range'),
      grpcError(status.FAILED_PRECONDITION, 'workflow is not running'),
    ]) {
      const e = mapped(err);
      assert.equal(e.kind, 'validation', err.message);
      assert.equal(normalizeError(e).status, 400);
    }
  });

  it('unavailable: UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED, ABORTED, update RPC timeout → 503 without Retry-After', () => {
    for (const err of [
      grpcError(status.UNAVAILABLE, 'No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:7233'),
      grpcError(status.DEADLINE_EXCEEDED, 'Deadline exceeded'),
      grpcError(status.CANCELLED, 'Cancelled on client'),
      grpcError(status.ABORTED, 'workflow update was aborted'),
      new WorkflowUpdateRPCTimeoutOrCancelledError('Workflow update call timeout or cancelled', { cause: grpcError(status.DEADLINE_EXCEEDED, 'Deadline exceeded') }),
    ]) {
      const e = mapped(err);
      assert.ok(e instanceof Unavailable, err.message);
      const n = normalizeError(err);
      assert.equal(n.status, 503);
      assert.equal(n.retryAfterSeconds, undefined);
    }
  });

  it('resource exhausted → 503 with Retry-After', () => {
    const n = normalizeError(grpcError(status.RESOURCE_EXHAUSTED, 'namespace rate limit exceeded'));
    assert.equal(n.status, 503);
    assert.equal(n.code, 'unavailable');
    assert.equal(n.retryAfterSeconds, EXHAUSTED_RETRY_AFTER_SECONDS);
  });

  it('permission denied and unauthenticated → misconfigured (500 for the operator), never "unavailable"', () => {
    for (const err of [
      grpcError(status.PERMISSION_DENIED, 'Request unauthorized.'),
      grpcError(status.UNAUTHENTICATED, 'Request unauthenticated.'),
      new ServiceError('Failed to start Workflow', { cause: grpcError(status.PERMISSION_DENIED, 'Request unauthorized.') }),
    ]) {
      const e = mapped(err);
      assert.equal(e.kind, 'misconfigured', err.message);
      assert.match(e.message, /refused Kairos's credentials/);
      assert.match(e.message, /TEMPORAL_API_KEY/);
      const n = normalizeError(err);
      assert.equal(n.status, 500);
      assert.equal(n.code, 'misconfigured');
      assert.equal(n.cause, err, 'logged with the original');
    }
  });

  it('an unknown namespace or an operation the server lacks → misconfigured', () => {
    assert.match(mapped(new NamespaceNotFoundError('nope')).message, /namespace 'nope' does not exist/);
    assert.equal(mapped(grpcError(status.UNIMPLEMENTED, 'unknown method')).kind, 'misconfigured');
    assert.equal(mapped(grpcError(status.FAILED_PRECONDITION, 'Workflow Update is disabled on this namespace')).kind, 'misconfigured');
  });

  it('INTERNAL, UNKNOWN and errors that are not Temporal\'s stay as they are (500 internal)', () => {
    for (const err of [grpcError(status.INTERNAL, 'boom'), grpcError(status.UNKNOWN, 'what'), new TypeError('a bug'), 'a string']) {
      assert.equal(mapTemporalError(err, job), err);
    }
    assert.equal(classifyTemporalError(new Error('x')), undefined);
    const already = new KairosError('not_found', "job 'x' not found");
    assert.equal(mapTemporalError(already, job), already, 'a domain error is not mapped twice');
  });

  it('without a subject the messages stay generic', () => {
    const e = mapTemporalError(grpcError(status.NOT_FOUND, 'x'));
    assert.ok(e instanceof KairosError && e.kind === 'not_found' && e.message === 'not found');
  });

  it('a real refused connection: connect() and an RPC on a lazy connection → unavailable', { timeout: 20_000 }, async () => {
    const port = await closedPort();
    await assert.rejects(
      guard(() => Connection.connect({ address: `127.0.0.1:${port}`, connectTimeout: 500 })),
      (err) => err instanceof Unavailable,
    );
    // The SDK retries UNAVAILABLE with backoff for about half a minute; a deadline bounds the wait.
    const client = new Client({ connection: Connection.lazy({ address: `127.0.0.1:${port}`, connectTimeout: 500 }) });
    try {
      const call = () => client.connection.withDeadline(Date.now() + 1500, () => client.workflowService.describeNamespace({ namespace: 'default' }));
      await assert.rejects(guard(call), (err) => err instanceof Unavailable);
    } finally {
      await client.connection.close();
    }
  });
});

describe('Temporal error map: what is not Temporal', () => {
  it('a refused PostgreSQL or HTTP connection is not "Temporal unavailable"', () => {
    const pg = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', errno: -111, syscall: 'connect' });
    assert.equal(mapTemporalError(pg), pg);
    assert.equal(normalizeError(pg).status, 500);
  });
});
