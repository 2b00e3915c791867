// Before the state store, a sequence's numbers came from a Temporal workflow, `kairos/sequence/<name>`
// (the kairosSequence registry: its input held the next number, each allocation was an Update whose
// result was the number handed out, and it continued as new with the next number as its input). An
// upgraded deployment must not hand those numbers out again, so the sequence's row starts past what
// the registry's history shows; then the registry is terminated, since no worker runs it any more.
import { KairosError } from '../errors.ts';
import type { TemporalGateway } from '../temporal/gateway.ts';
import type { temporal } from '@temporalio/proto';

/** The registry workflow's id: no job or run id contains '/'. */
export const legacyRegistryId = (name: string): string => `kairos/sequence/${name}`;

const isNotFound = (err: unknown) => err instanceof KairosError && err.kind === 'not_found';

/** A number from a payload, if it is one (the registry's input `{ next }` or an Update's result). */
async function numberIn(gateway: TemporalGateway, payload: temporal.api.common.v1.IPayload | null | undefined, field?: 'next'): Promise<number | undefined> {
  if (!payload) return undefined;
  const value = await gateway.decode<unknown>(0, [payload]);
  const n: unknown = field === undefined ? value : (value as Record<string, unknown> | null)?.[field];
  return typeof n === 'number' && Number.isFinite(n) ? Math.floor(n) : undefined;
}

/**
 * The number the registry of sequence `name` would hand out next, read from its latest run's
 * history: past its input and every number an Update returned. Undefined when there is no registry
 * (a new deployment, or its history is gone: Temporal's retention).
 */
export async function legacyRegistryNext(gateway: TemporalGateway, name: string): Promise<number | undefined> {
  let next: number | undefined;
  const atLeast = (n: number | undefined) => {
    if (n !== undefined) next = Math.max(next ?? 1, n);
  };
  try {
    for await (const event of gateway.workflows.history(legacyRegistryId(name))) {
      atLeast(await numberIn(gateway, event.workflowExecutionStartedEventAttributes?.input?.payloads?.[0], 'next'));
      const handedOut = await numberIn(gateway, event.workflowExecutionUpdateCompletedEventAttributes?.outcome?.success?.payloads?.[0]);
      if (handedOut !== undefined) atLeast(handedOut + 1);
    }
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  return next;
}

/** Terminates the registry of sequence `name`, if it still runs. */
export async function retireLegacyRegistry(gateway: TemporalGateway, name: string): Promise<void> {
  try {
    await gateway.workflows.terminate(legacyRegistryId(name), undefined, `sequence '${name}' moved to the state store (id_sequences)`);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
