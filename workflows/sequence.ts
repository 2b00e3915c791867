// kairosSequence: a registry that hands out numbers 1, 2, 3, … for one named sequence (Volt MX's
// integer job ids). One long-lived workflow per sequence; numbers come from a Temporal Update, so an
// allocation is strongly consistent (no visibility lookup that may miss a fresh write) and two
// callers can never get the same number. The handler is synchronous: an accepted update is a
// completed one, so nothing is in flight when the workflow continues as new.
import { allHandlersFinished, condition, continueAsNew, defineUpdate, setHandler, workflowInfo } from '@temporalio/workflow';
import { ALLOCATE_UPDATE } from '../core/temporal/contract.ts';

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
