// The run limit a schedule write records, and what an edit takes off the next one.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runLimitOf, runsUsed } from '../../../core/jobs/run-limit.ts';

describe('run limits across edits', () => {
  it('a write allows its remainingActions, plus an immediate fire of an enabled job', () => {
    assert.equal(runLimitOf(null, true), undefined);
    assert.equal(runLimitOf({ calendars: [], intervals: [], timezone: 'UTC' }, true), undefined);
    assert.equal(runLimitOf({ calendars: [], intervals: [], timezone: 'UTC', remainingActions: 3 }, true), 3);
    assert.equal(runLimitOf({ calendars: [], intervals: [], timezone: 'UTC', remainingActions: 2, triggerImmediately: true }, true), 3);
    assert.equal(runLimitOf({ calendars: [], intervals: [], timezone: 'UTC', remainingActions: 2, triggerImmediately: true }, false), 2);
  });

  it('used = the recorded limit less what is left; unknown counts as none used', () => {
    assert.equal(runsUsed(3, 3), 0);
    assert.equal(runsUsed(3, 1), 2);
    assert.equal(runsUsed(3, 0), 3);
    assert.equal(runsUsed(undefined, 2), 0);
    assert.equal(runsUsed(3, null), 0);
    assert.equal(runsUsed(2, 5), 0, 'never negative');
  });
});
