// Allocates numbers from a named sequence (1, 2, 3, …) through a Temporal Update on the sequence's
// registry workflow (workflows/sequence.ts), started on first use (update-with-start). Strongly
// consistent: the number is the workflow's answer, not a visibility lookup, so two API instances
// never hand out the same number. A number whose use fails afterwards is skipped, never reused
// (as a database sequence does).
import { ALLOCATE_UPDATE, SEQUENCE_WORKFLOW } from '../temporal/contract.ts';
import type { TemporalGateway } from '../temporal/gateway.ts';

/** A workflow id no job or run id can take: job ids never contain '/'. */
export const sequenceWorkflowId = (name: string): string => `kairos/sequence/${name}`;

export interface NumberAllocator {
  next(): Promise<number>;
}

export class SequenceAllocator implements NumberAllocator {
  constructor(
    private readonly temporal: TemporalGateway,
    private readonly taskQueue: string,
    readonly name: string,
    /** Continue-as-new threshold of the registry's history (tests set it low). */
    private readonly maxHistoryEvents?: number,
  ) {}

  async next(): Promise<number> {
    // The registry lives forever: later calls join the running one.
    return await this.temporal.workflows.executeUpdateWithStart<number>(ALLOCATE_UPDATE, {
      workflowType: SEQUENCE_WORKFLOW,
      workflowId: sequenceWorkflowId(this.name),
      taskQueue: this.taskQueue,
      args: [{ next: 1, ...(this.maxHistoryEvents ? { maxHistoryEvents: this.maxHistoryEvents } : {}) }],
    });
  }
}
