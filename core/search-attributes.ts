// The one place that plans Kairos's use of Temporal's custom search-attribute slots.
// A namespace has 10 Keyword, 3 KeywordList, 3 Text, 3 Int, 3 Double, 3 Datetime and 3 Bool slots
// (SQLite/PostgreSQL visibility); Kairos uses 8 Keyword, 2 KeywordList and 1 Datetime, leaving the
// rest for dialect needs and users' own attributes.
// Schedules carry them (list filters); runJob workflows carry them too (run filters, Web UI).
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { SCHEDULED_START_TIME_ATTRIBUTE, TRIGGERED_BY_ATTRIBUTE } from './temporal/contract.ts';

export const SA = {
  jobId: defineSearchAttributeKey('KairosJobId', SearchAttributeType.KEYWORD),
  jobType: defineSearchAttributeKey('KairosJobType', SearchAttributeType.KEYWORD),
  owner: defineSearchAttributeKey('KairosOwner', SearchAttributeType.KEYWORD),
  triggeredBy: defineSearchAttributeKey(TRIGGERED_BY_ATTRIBUTE, SearchAttributeType.KEYWORD),
  dialect: defineSearchAttributeKey('KairosDialect', SearchAttributeType.KEYWORD),
  jobName: defineSearchAttributeKey('KairosJobName', SearchAttributeType.KEYWORD),
  /**
   * Which creation of a job id a schedule or run belongs to (a random id per create): run queries
   * filter on it, so a deleted job's runs never attach to a later job with the same id. Absent on
   * jobs and runs from before incarnations (legacy: matched with IS NULL).
   */
  incarnation: defineSearchAttributeKey('KairosIncarnation', SearchAttributeType.KEYWORD),
  /** On schedules: "<jobId>:<outcome>" for each `job` trigger, so a finished run finds its dependents. */
  afterJobs: defineSearchAttributeKey('KairosAfterJobs', SearchAttributeType.KEYWORD_LIST),
  tags: defineSearchAttributeKey('KairosTags', SearchAttributeType.KEYWORD_LIST),
  scheduledAt: defineSearchAttributeKey('KairosScheduledAt', SearchAttributeType.DATETIME),
  /**
   * On runs that did no work by decision: `skipped` when runJob recognised a fire time its job's
   * policy leaves out (the repeated wall time of a DST fall-back, …). Absent on every other run, so
   * a run's status stays what visibility's ExecutionStatus says.
   */
  outcome: defineSearchAttributeKey('KairosOutcome', SearchAttributeType.KEYWORD),
} as const;

/**
 * Temporal's own attribute on a run a schedule started: the time the schedule meant it for (a run's
 * start delay is its start minus this).
 */
export const SCHEDULED_START_TIME = defineSearchAttributeKey(SCHEDULED_START_TIME_ATTRIBUTE, SearchAttributeType.DATETIME);

/** `Name=Type` pairs for `temporal server start-dev --search-attribute` and `operator search-attribute create`. */
export const SEARCH_ATTRIBUTE_DEFINITIONS: readonly [string, string][] = [
  ['KairosJobId', 'Keyword'],
  ['KairosJobType', 'Keyword'],
  ['KairosOwner', 'Keyword'],
  ['KairosTriggeredBy', 'Keyword'],
  ['KairosDialect', 'Keyword'],
  ['KairosJobName', 'Keyword'],
  ['KairosIncarnation', 'Keyword'],
  ['KairosAfterJobs', 'KeywordList'],
  ['KairosTags', 'KeywordList'],
  ['KairosScheduledAt', 'Datetime'],
  ['KairosOutcome', 'Keyword'],
];
