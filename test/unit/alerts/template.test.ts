// Alert templating: substitution per JSON string value (always valid JSON, whatever the values
// hold), typed whole-string placeholders, unknown placeholders named by path, the Slack preset.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defaultBody, renderJson, renderText, slackBody, summarize, unknownPlaceholders, type AlertContext } from '../../../core/alerts/template.ts';

const ctx = (over: Partial<AlertContext> = {}): AlertContext => ({
  event: 'failed',
  summary: 'nightly failed: HttpStatus500: POST http://x/ answered 500',
  rule: { id: 'alr_1', name: 'on failure' },
  job: { id: 'nightly', name: 'Nightly "export"', type: 'http', ownerId: 'usr_a' },
  run: { id: 'nightly-2026-12-04T00:00:00Z', status: 'failed', trigger: 'schedule', startedAt: '2026-12-04T00:00:00.100Z', endedAt: '2026-12-04T00:00:01.100Z', durationMs: 1000, attempts: 3 },
  error: { type: 'HttpStatus500', message: 'line one\nline "two" } ] {{job.id}}' },
  links: { job: 'https://k.example/v1/jobs/nightly', run: 'https://k.example/v1/runs/nightly-2026-12-04T00:00:00Z', ui: 'https://k.example/ui/#/jobs/nightly' },
  at: '2026-12-04T00:00:01.200Z',
  ...over,
});

describe('alert templates', () => {
  it('substitutes per string value, so quotes, newlines and braces in values keep the JSON valid', () => {
    const out = renderJson({ text: 'Job {{job.name}} failed: {{error.message}}', nested: ['{{run.id}}', { k: 'x {{event}} y' }], n: 5, b: true, z: null }, ctx());
    const round = JSON.parse(JSON.stringify(out)) as Record<string, unknown>;
    assert.deepEqual(round, {
      text: 'Job Nightly "export" failed: line one\nline "two" } ] {{job.id}}',
      nested: ['nightly-2026-12-04T00:00:00Z', { k: 'x failed y' }],
      n: 5,
      b: true,
      z: null,
    });
  });

  it('a value is never re-expanded: a placeholder inside an error message stays text', () => {
    assert.equal(renderText('{{error.message}}', ctx()).endsWith('{{job.id}}'), true);
  });

  it('a string that is one placeholder takes its value type; a missing value is null there and empty in text', () => {
    const out = renderJson({ ms: '{{run.durationMs}}', spaced: '{{ run.attempts }}', none: '{{run.reason}}', inText: 'reason: {{run.reason}}.' }, ctx());
    assert.deepEqual(out, { ms: 1000, spaced: 3, none: null, inText: 'reason: .' });
  });

  it('keys are kept as written, and unknown placeholders are reported by path', () => {
    assert.deepEqual(renderJson({ '{{job.id}}': 'v' }, ctx()), { '{{job.id}}': 'v' });
    const bad = unknownPlaceholders({ a: ['ok {{job.id}}', '{{job.secret}}'], b: { c: '{{nope}}' } }, 'channel.body');
    assert.deepEqual(
      bad.map((d) => d.path),
      ['channel.body.a.1', 'channel.body.b.c'],
    );
    assert.match(bad[0]!.message, /unknown placeholder \{\{job\.secret\}\}/);
    assert.deepEqual(unknownPlaceholders({ a: '{{links.run}} {{run.consecutiveFailures}}' }), []);
  });

  it('the default payload has every section, and error null when the event has none', () => {
    const body = defaultBody(ctx()) as Record<string, Record<string, unknown>>;
    assert.equal(body.job!.id, 'nightly');
    assert.equal(body.run!.durationMs, 1000);
    assert.deepEqual(body.error, { type: 'HttpStatus500', message: 'line one\nline "two" } ] {{job.id}}' });
    assert.equal(body.links!.run, 'https://k.example/v1/runs/nightly-2026-12-04T00:00:00Z');
    const ok = defaultBody(ctx({ event: 'recovered', error: null })) as Record<string, unknown>;
    assert.equal(ok.error, null);
  });

  it('the Slack preset is {text, blocks} with mrkdwn escaped (no forged links or mentions)', () => {
    const s = slackBody(ctx({ job: { id: 'j', name: '<!channel> & <http://evil|x>' } }));
    assert.equal(typeof s.text, 'string');
    assert.ok(Array.isArray(s.blocks) && s.blocks.length === 3);
    const section = JSON.stringify(s.blocks[1]);
    assert.ok(section.includes('&lt;!channel&gt; &amp; &lt;http://evil|x&gt;'), section);
    assert.ok(!section.includes('<!channel>'));
    assert.deepEqual((s.blocks[0] as { type: string }).type, 'header');
  });

  it('summaries name the job and what happened', () => {
    assert.equal(summarize({ event: 'consecutiveFailures', jobName: 'n', streak: 3 }), 'n failed 3 times in a row');
    assert.equal(summarize({ event: 'recovered', jobName: 'n', streak: 1 }), 'n recovered after 1 failed run');
    assert.equal(summarize({ event: 'longerThan', jobName: 'n', durationText: '2 s' }), 'n has been running for more than 2 s');
    assert.match(summarize({ event: 'missed', jobName: 'n', reason: 'catchupWindow', scheduledAt: 'T' }), /missed \(catchupWindow\)/);
  });
});
