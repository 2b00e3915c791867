// What Temporal Web UI (and `temporal workflow list/describe`) shows for a run: the workflow's user
// metadata. Every run is a `runJob` workflow, so without it the Workflows list is a wall of
// identical rows; with it each row says which job ran, in which dialect, and why:
//   "nightly-export · fusion · cron 0 0 * * *"   (a schedule's run)
//   "nightly-export · native · run now by alice"  (run now)
// The details (markdown, on the run's page) add the job's id, type, owner and each trigger described.
import { describeTrigger } from '../triggers/describe.ts';
import type { Trigger } from '../triggers/model.ts';
import type { Job } from './model.ts';
import { dialectOf } from './schedule-mapping.ts';
import type { RunCause } from '../runs/types.ts';

/** Why a run started, as its summary tells it. */
export type RunStart =
  | { kind: 'schedule' }
  | { kind: 'manual'; by?: string }
  | { kind: 'dependency'; cause?: RunCause };

/**
 * Temporal refuses a start whose summary payload exceeds its limit (400 bytes by default on the
 * server; details 20 kB): the texts are cut well below, by UTF-8 bytes, at a character boundary.
 */
const SUMMARY_MAX_BYTES = 300;
const DETAILS_MAX_BYTES = 8_000;

/** At most `max` UTF-8 bytes of `text`, with "…" when cut. */
export function truncateUtf8(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text;
  let out = '';
  let bytes = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > max - 3) break;
    out += ch;
    bytes += n;
  }
  return `${out}…`;
}

/** A trigger the way its author wrote it: "cron 0 0 * * *", "every 5m", "once at …", "after job x succeeded". */
function triggerText(t: Trigger): string {
  switch (t.type) {
    case 'cron':
      return `cron ${t.expression}${t.dialect && t.dialect !== 'unix' ? ` (${t.dialect})` : ''}`;
    case 'interval':
      return `every ${t.every}`;
    case 'once':
      return /^\d{4}-/u.test(t.at) ? `once at ${t.at}` : `once ${t.at} from now`;
    case 'job':
      return `after ${t.jobId} ${t.on.join('/')}`;
  }
}

/** The time triggers that make the schedule fire (the job triggers start runs as dependencies). */
function scheduleText(job: Job): string {
  const timed = job.triggers.filter((t) => t.enabled !== false && t.type !== 'job');
  if (timed.length === 0) return 'schedule';
  const [first] = timed;
  return `${triggerText(first as Trigger)}${timed.length > 1 ? ` +${timed.length - 1} more` : ''}`;
}

function startText(job: Job, start: RunStart): string {
  switch (start.kind) {
    case 'schedule':
      return scheduleText(job);
    case 'manual':
      return start.by ? `run now by ${start.by}` : 'run now';
    case 'dependency':
      return start.cause ? `after ${start.cause.jobId} ${start.cause.outcome}` : 'after another job';
  }
}

/** The one-line summary: "<job name> · <dialect> · <trigger>". */
export function runSummary(job: Job, start: RunStart): string {
  return truncateUtf8(`${job.name} · ${dialectOf(job)} · ${startText(job, start)}`, SUMMARY_MAX_BYTES);
}

/** The run page's details (Temporal markdown): the job, and every trigger described. */
export function runDetails(job: Job, start: RunStart): string {
  const lines = [
    `**${job.name}** (job \`${job.id}\`)`,
    `Type: ${job.type} · dialect: ${dialectOf(job)} · owner: ${job.ownerId}`,
    `Started by: ${startText(job, start)}`,
  ];
  if (job.triggers.length) lines.push('Triggers:', ...job.triggers.map((t) => `- ${describeTrigger(t)}`));
  if (job.description) lines.push('', job.description);
  return truncateUtf8(lines.join('\n'), DETAILS_MAX_BYTES);
}
