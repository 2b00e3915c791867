// Durations as users write them: Go durations ("1h30m", "10s", "250ms") and ISO 8601 durations
// without calendar parts ("PT15M", "P1DT2H"). The parser lives with the trigger compiler
// (core/triggers/duration.ts); this is the non-negative, whole-millisecond view the job model uses.
import { parseDuration } from './triggers/duration.ts';

/** Milliseconds, or undefined when the text is not a non-negative duration. */
export function parseDurationMs(text: string): number | undefined {
  const ms = parseDuration(text.trim());
  return ms === null || ms < 0 ? undefined : Math.round(ms);
}
