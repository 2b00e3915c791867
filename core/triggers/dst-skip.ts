// The check against a job's DST overlap skips (core/triggers/dst.ts computes them), for the evaluator
// and the state store's next-run time. runJob makes the same check with its own copy
// (workflows/run-job.ts inDstSkip: workflow code imports nothing from core; a unit test holds the two
// equal). Kept apart from dst.ts so that its users need not load the planner.

/** An inclusive range of UTC instants (ms) whose scheduled fires are left out. */
export type DstSkipRange = [number, number];

/** Whether `instant` (ms) lies in one of the inclusive ranges. */
export function inDstSkip(ranges: readonly DstSkipRange[] | undefined, instant: number): boolean {
  if (!ranges) return false;
  for (const [a, b] of ranges) if (instant >= a && instant <= b) return true;
  return false;
}
