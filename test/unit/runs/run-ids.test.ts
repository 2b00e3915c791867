// Run workflow ids read back into their parts (core/runs/run-ids.ts), on the formats the job store
// and Temporal's scheduler actually produce.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatRunId, parseRunId } from '../../../core/runs/run-ids.ts';
import { overviewQuery } from '../../../core/runs/overview.ts';

describe('run ids', () => {
  const job = 'cluedin.crawling.5b593555-7575-4a85-95f1-53b727ae061e';

  it('reads a scheduled run id (Temporal appends the action time, RFC 3339 seconds)', () => {
    const parts = parseRunId(job, `${job}-2026-11-23T15:15:00Z`);
    assert.deepEqual(parts, { kind: 'schedule', at: new Date('2026-11-23T15:15:00Z') });
    assert.equal(formatRunId(job, parts!), `${job}-2026-11-23T15:15:00Z`);
  });

  it('reads manual and dependency run ids as JobStore writes them', () => {
    const at = new Date('2026-03-08T07:05:09.042Z');
    // JobStore.startRun: `${job.id}-${triggeredBy}-${new Date().toISOString().replace(/[:.]/g, '')}-${randomUUID().slice(0, 8)}`
    const manual = `${job}-manual-${at.toISOString().replace(/[:.]/g, '')}-0a1b2c3d`;
    assert.deepEqual(parseRunId(job, manual), { kind: 'manual', at, suffix: '0a1b2c3d' });
    assert.equal(formatRunId(job, { kind: 'manual', at, suffix: '0a1b2c3d' }), manual);
    const dep = `${job}-dependency-${at.toISOString().replace(/[:.]/g, '')}-ffffffff`;
    assert.deepEqual(parseRunId(job, dep), { kind: 'dependency', at, suffix: 'ffffffff' });
  });

  it('rejects ids of other jobs, other shapes and impossible dates', () => {
    assert.equal(parseRunId(job, `other-2026-11-23T15:15:00Z`), undefined);
    assert.equal(parseRunId(job, `${job}-2026-11-23T15:15:00.500Z`), undefined);
    assert.equal(parseRunId(job, `${job}-2026-02-30T15:15:00Z`), undefined);
    assert.equal(parseRunId(job, `${job}-manual-2026-02-30T000000000Z-0a1b2c3d`), undefined);
    assert.equal(parseRunId(job, `${job}-manual-2026-01-01T000000000Z-0A1B2C3D`), undefined);
    assert.equal(parseRunId(job, `${job}-cron-2026-01-01T000000000Z-0a1b2c3d`), undefined);
    assert.equal(parseRunId(job, job), undefined);
  });
});

describe('runs across jobs: the visibility query', () => {
  it('narrows by owner, dialect, jobs and statuses', () => {
    assert.equal(
      overviewQuery({ dialect: 'cluedin', jobIds: ['a', 'b', 'a'], statuses: ['failed', 'timed_out'] }, 'ana'),
      "WorkflowType = 'runJob' AND ExecutionStatus IN ('Failed', 'TimedOut') AND KairosDialect = 'cluedin' AND (KairosJobId IN ('a', 'b') AND KairosOwner = 'ana')",
    );
    assert.equal(overviewQuery({ jobIds: ["it's"] }), "WorkflowType = 'runJob' AND KairosJobId = 'it\\'s'");
    assert.equal(overviewQuery({}), "WorkflowType = 'runJob'");
    assert.equal(overviewQuery({}, 'ana'), "WorkflowType = 'runJob' AND KairosOwner = 'ana'");
  });
});
