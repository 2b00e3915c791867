// The one check runJob makes against a job's DST overlap skips (core/triggers/dst.ts computes them).
// Pure and free of imports: it is bundled into workflow code.

/** An inclusive range of UTC instants (ms) whose scheduled fires are left out. */
export type DstSkipRange = [number, number];

/** Whether `instant` (ms) lies in one of the inclusive ranges. */
export function inDstSkip(ranges: readonly DstSkipRange[] | undefined, instant: number): boolean {
  if (!ranges) return false;
  for (const [a, b] of ranges) if (instant >= a && instant <= b) return true;
  return false;
}
