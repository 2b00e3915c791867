// kairosSequence: a registry that hands out numbers 1, 2, 3, … for one named sequence (Volt MX's
// integer job ids). One long-lived workflow per sequence; numbers come from a Temporal Update, so an
// allocation is strongly consistent (no visibility lookup that may miss a fresh write) and two
// callers can never get the same number. The handler is synchronous: an accepted update is a
// completed one, so nothing is in flight when the workflow continues as new.
import { allHandlersFinished, condition, continueAsNew, defineUpdate, setHandler, workflowInfo } from '@temporalio/workflow';
import { ALLOCATE_UPDATE } from './sequence-names.ts';

export interface SequenceState {
  /** The number the next allocation returns. */
  next: number;
}

export const allocateUpdate = defineUpdate<number, []>(ALLOCATE_UPDATE);

/** Continue as new well before Temporal's history limits (each allocation adds a few events). */
const MAX_HISTORY_EVENTS = 2_000;

export async function kairosSequence(state: SequenceState): Promise<void> {
  let next = Math.max(1, Math.floor(state.next));
  setHandler(allocateUpdate, () => next++);
  await condition(() => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= MAX_HISTORY_EVENTS);
  await condition(allHandlersFinished);
  await continueAsNew<typeof kairosSequence>({ next });
}
