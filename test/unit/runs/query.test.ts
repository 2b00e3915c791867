import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { countsFromGroups, emptyByStatus, matchesNotRun, matchesWorkflows, quote, runsQuery, statusFromVisibility, successRate, withNotRun } from '../../../core/runs/query.ts';
import { overviewQuery } from '../../../core/runs/overview.ts';

describe('run queries', () => {
  it('quotes list-query literals', () => {
    assert.equal(quote("it's"), "'it\\'s'");
    assert.equal(quote('a\\b'), "'a\\\\b'");
  });

  it('builds the listing query from filters', () => {
    assert.equal(runsQuery({}), "WorkflowType = 'runJob'");
    assert.equal(
      runsQuery({ jobId: 'j1', statuses: ['failed'], from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-01-02T00:00:00Z') }),
      "WorkflowType = 'runJob' AND KairosJobId = 'j1' AND ExecutionStatus = 'Failed' AND StartTime >= '2026-01-01T00:00:00.000Z' AND StartTime < '2026-01-02T00:00:00.000Z'",
    );
    assert.equal(
      runsQuery({ owner: 'u', statuses: ['succeeded', 'cancelled', 'succeeded'] }),
      "WorkflowType = 'runJob' AND KairosOwner = 'u' AND (ExecutionStatus = 'Canceled' OR (ExecutionStatus = 'Completed' AND KairosOutcome IS NULL))",
    );
  });

  it('skipped and missed: a skipped run is a Completed one with KairosOutcome, missed names no workflow', () => {
    assert.equal(runsQuery({ statuses: ['skipped'] }), "WorkflowType = 'runJob' AND (ExecutionStatus = 'Completed' AND KairosOutcome = 'skipped')");
    assert.equal(runsQuery({ statuses: ['succeeded', 'skipped'] }), "WorkflowType = 'runJob' AND ExecutionStatus = 'Completed'");
    assert.equal(runsQuery({ statuses: ['missed'] }), "WorkflowType = 'runJob' AND WorkflowId = ''");
    assert.equal(runsQuery({ statuses: ['failed', 'missed'] }), "WorkflowType = 'runJob' AND ExecutionStatus = 'Failed'");
    assert.equal(matchesWorkflows(['missed']), false);
    assert.equal(matchesWorkflows(['missed', 'skipped']), true);
    assert.equal(matchesNotRun(['failed']), false);
    assert.equal(matchesNotRun(undefined), true);
    const c = withNotRun({ total: 10, byStatus: { ...emptyByStatus(), succeeded: 8, failed: 2 } }, 3, { skipped: 2, missed: 1 });
    assert.deepEqual(c, { total: 13, byStatus: { ...emptyByStatus(), succeeded: 5, failed: 2, skipped: 5, missed: 1 } });
    // Skipped and missed runs never ran: they are not in the success rate.
    assert.equal(successRate(c), Math.round((5 / 7) * 10_000) / 10_000);
  });

  it('filters on one creation of a job (its incarnation), or on legacy runs without one', () => {
    assert.equal(runsQuery({ jobId: 'x', incarnation: 'i1' }), "WorkflowType = 'runJob' AND KairosJobId = 'x' AND KairosIncarnation = 'i1'");
    assert.equal(runsQuery({ jobId: 'x', incarnation: null }), "WorkflowType = 'runJob' AND KairosJobId = 'x' AND KairosIncarnation IS NULL");
    const q = overviewQuery({ jobIds: ['x', 'gone', 'old'], incarnations: new Map([['x', "i'1"], ['old', null]]) }, 'u');
    assert.equal(
      q,
      "WorkflowType = 'runJob' AND ((KairosJobId = 'x' AND KairosIncarnation = 'i\\'1' AND KairosOwner = 'u') OR (KairosJobId = 'old' AND KairosIncarnation IS NULL AND KairosOwner = 'u') OR (KairosJobId = 'gone' AND KairosOwner = 'u'))",
    );
    assert.equal(overviewQuery({ jobIds: ['x'], incarnations: new Map([['x', 'i1']]) }), "WorkflowType = 'runJob' AND (KairosJobId = 'x' AND KairosIncarnation = 'i1')");
    // A job shared with the caller shows its current creation's runs, whoever started them; the others only the caller's.
    assert.equal(
      overviewQuery({ jobIds: ['x', 'y'], incarnations: new Map([['x', 'i1'], ['y', 'i2']]), shared: new Set(['x']) }, 'u'),
      "WorkflowType = 'runJob' AND ((KairosJobId = 'x' AND KairosIncarnation = 'i1') OR (KairosJobId = 'y' AND KairosIncarnation = 'i2' AND KairosOwner = 'u'))",
    );
  });

  it('maps visibility and SDK status names to API statuses', () => {
    assert.equal(statusFromVisibility('Completed'), 'succeeded');
    assert.equal(statusFromVisibility('COMPLETED'), 'succeeded');
    assert.equal(statusFromVisibility('Canceled'), 'cancelled');
    assert.equal(statusFromVisibility('CANCELLED'), 'cancelled');
    assert.equal(statusFromVisibility('TimedOut'), 'timed_out');
    assert.equal(statusFromVisibility('TIMED_OUT'), 'timed_out');
    assert.equal(statusFromVisibility('Terminated'), 'terminated');
    assert.equal(statusFromVisibility('Failed'), 'failed');
    assert.equal(statusFromVisibility('Running'), 'running');
  });

  it('turns GROUP BY ExecutionStatus counts into stats', () => {
    const c = countsFromGroups([
      { count: 6, values: ['Completed'] },
      { count: 2, values: [['Failed']] },
      { count: 1, values: ['Running'] },
      { count: 1, values: ['Terminated'] },
    ]);
    assert.equal(c.total, 10);
    assert.deepEqual(c.byStatus, { running: 1, succeeded: 6, failed: 2, cancelled: 0, terminated: 1, timed_out: 0, skipped: 0, missed: 0 });
    assert.equal(successRate(c), 0.6667);
    assert.equal(successRate(countsFromGroups([{ count: 2, values: ['Running'] }])), null);
  });
});
