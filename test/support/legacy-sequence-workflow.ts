// The kairosSequence registry workflow as Kairos ran it before id sequences moved to the state store
// (core/ids/legacy-registry.ts), kept only so that the upgrade test can make a real registry with a
// real history: a workflow that hands out 1, 2, 3, … through the Update 'allocate', and continues as
// new with the next number as its input.
import { allHandlersFinished, condition, continueAsNew, defineUpdate, setHandler, workflowInfo } from '@temporalio/workflow';

export const LEGACY_SEQUENCE_WORKFLOW = 'kairosSequence';
export const ALLOCATE_UPDATE = 'allocate';

export interface SequenceState {
  /** The number the next allocation returns. */
  next: number;
  /** Continue as new at this history length (default 2,000; tests set it low). */
  maxHistoryEvents?: number;
}

export const allocateUpdate = defineUpdate<number, []>(ALLOCATE_UPDATE);

/** Continue as new well before Temporal's history limits (an allocation adds about five events). */
const MAX_HISTORY_EVENTS = 2_000;

export async function kairosSequence(state: SequenceState): Promise<void> {
  let next = Math.max(1, Math.floor(state.next));
  setHandler(allocateUpdate, () => next++);
  const limit = state.maxHistoryEvents ?? MAX_HISTORY_EVENTS;
  await condition(() => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= limit);
  await condition(allHandlersFinished);
  // Updates that arrive meanwhile are retried by the server on the new run.
  await continueAsNew<typeof kairosSequence>({ next, maxHistoryEvents: state.maxHistoryEvents });
}
