// What Temporal Web UI shows for a run (core/jobs/run-summary.ts): job name, dialect, trigger.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JobSchema, type Job } from '../../../core/jobs/model.ts';
import { runDetails, runSummary, truncateUtf8 } from '../../../core/jobs/run-summary.ts';

const job = (over: Record<string, unknown> = {}): Job =>
  JobSchema.parse({ id: 'job-1', name: 'nightly-export', ownerId: 'u1', createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', version: 1, ...over });

describe('run summaries for Temporal Web UI', () => {
  it('names the job, its dialect and the trigger as written', () => {
    const cron = job({ triggers: [{ type: 'cron', expression: '0 0 * * *' }], extras: { dialect: 'fusion' } });
    assert.equal(runSummary(cron, { kind: 'schedule' }), 'nightly-export · fusion · cron 0 0 * * *');
    assert.equal(runSummary(job({ triggers: [{ type: 'cron', expression: '0 0 12 * * ?', dialect: 'quartz' }] }), { kind: 'schedule' }), 'nightly-export · native · cron 0 0 12 * * ? (quartz)');
    const many = job({ triggers: [{ type: 'interval', every: '5m' }, { type: 'once', at: '2027-01-01T00:00:00Z' }, { type: 'job', jobId: 'up', on: ['succeeded'] }] });
    assert.equal(runSummary(many, { kind: 'schedule' }), 'nightly-export · native · every 5m +1 more', 'job triggers start dependency runs, not the schedule');
    assert.equal(runSummary(job(), { kind: 'schedule' }), 'nightly-export · native · schedule');
  });

  it('says who ran it now, and which run a dependency followed', () => {
    assert.equal(runSummary(job(), { kind: 'manual', by: 'alice' }), 'nightly-export · native · run now by alice');
    assert.equal(runSummary(job(), { kind: 'manual' }), 'nightly-export · native · run now');
    assert.equal(runSummary(job(), { kind: 'dependency', cause: { jobId: 'extract', workflowId: 'w', outcome: 'succeeded' } }), 'nightly-export · native · after extract succeeded');
  });

  it('details carry the id, type, owner and every trigger described', () => {
    const d = runDetails(job({ triggers: [{ type: 'cron', expression: '0 3 * * *', timezone: 'Europe/Paris' }], description: 'exports the day' }), { kind: 'manual', by: 'bob' });
    assert.match(d, /\*\*nightly-export\*\* \(job `job-1`\)/);
    assert.match(d, /Type: http · dialect: native · owner: u1/);
    assert.match(d, /Started by: run now by bob/);
    assert.match(d, /- at 03:00:00, Europe\/Paris/);
    assert.match(d, /exports the day$/);
  });

  it('stays under the server limit in bytes, cut at a character boundary', () => {
    const long = runSummary(job({ name: 'é'.repeat(500) }), { kind: 'schedule' });
    assert.ok(Buffer.byteLength(long) <= 300, `${Buffer.byteLength(long)} bytes`);
    assert.ok(long.endsWith('…'));
    assert.equal(truncateUtf8('😀😀😀', 9), '😀…');
    assert.equal(truncateUtf8('short', 9), 'short');
  });
});
