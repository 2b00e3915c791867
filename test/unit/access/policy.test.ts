// The access policy over its whole table: every kind of principal × every action, written out by
// hand (not derived from the code under test), plus the 404-versus-403 rule and who acts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ACTIONS, actingFor, authorize, can, highest, type Action, type Grant, type Principal } from '../../../core/access/policy.ts';
import type { KairosError } from '../../../core/errors.ts';

const job = { id: 'j', ownerId: 'usr_owner' };
const user = (id: string): Principal => ({ id, role: 'user' });

/** Who asks, and the grant it holds on the job. */
const WHO: Record<string, { p: Principal; grant: Grant }> = {
  owner: { p: user('usr_owner'), grant: undefined },
  admin: { p: { id: 'usr_root', role: 'admin' }, grant: undefined },
  'shared read': { p: user('usr_r'), grant: 'read' },
  'shared run': { p: user('usr_x'), grant: 'run' },
  'shared edit': { p: user('usr_e'), grant: 'edit' },
  'shared admin': { p: user('usr_a'), grant: 'admin' },
  stranger: { p: user('usr_s'), grant: undefined },
  // An owner that is also shared with (a team of theirs) still has everything.
  'owner with a read share': { p: user('usr_owner'), grant: 'read' },
};

//                        read  list  run   stop  edit  delete share own
const TABLE: Record<string, boolean[]> = {
  owner:                  [true, true, true, true, true, true,  true,  true],
  admin:                  [true, true, true, true, true, true,  true,  true],
  'shared read':          [true, true, false, false, false, false, false, false],
  'shared run':           [true, true, true, true, false, false, false, false],
  'shared edit':          [true, true, true, true, true, false, false, false],
  'shared admin':         [true, true, true, true, true, false, true,  true],
  stranger:               [false, false, false, false, false, false, false, false],
  'owner with a read share': [true, true, true, true, true, true, true, true],
};
const COLUMNS: Action[] = ['read', 'list', 'run', 'stop', 'edit', 'delete', 'share', 'own'];

describe('access policy: can()', () => {
  it('covers every action', () => {
    assert.deepEqual([...COLUMNS].sort(), [...ACTIONS].sort());
  });

  for (const [who, row] of Object.entries(TABLE)) {
    for (const [i, action] of COLUMNS.entries()) {
      const expected = row[i];
      it(`${who} ${expected ? 'may' : 'may not'} ${action}`, () => {
        const { p, grant } = WHO[who] as { p: Principal; grant: Grant };
        assert.equal(can(p, action, job, grant), expected);
      });
    }
  }

  it('a share never lets anyone delete: that stays with the owner and admins', () => {
    for (const grant of ['read', 'run', 'edit', 'admin'] as const) assert.equal(can(user('usr_z'), 'delete', job, grant), false);
  });

  it('not_found for whoever may not read (the job does not exist for them), forbidden for whoever may read but not act', () => {
    assert.throws(() => authorize(user('usr_s'), 'read', job, undefined), (e: KairosError) => e.kind === 'not_found' && !e.message.includes('permission'));
    assert.throws(() => authorize(user('usr_s'), 'delete', job, undefined), (e: KairosError) => e.kind === 'not_found');
    assert.throws(() => authorize(user('usr_r'), 'run', job, 'read'), (e: KairosError) => e.kind === 'forbidden');
    assert.throws(() => authorize(user('usr_e'), 'delete', job, 'edit'), (e: KairosError) => e.kind === 'forbidden');
    assert.doesNotThrow(() => authorize(user('usr_x'), 'stop', job, 'run'));
  });

  it('the highest of several grants (own and teams) counts', () => {
    assert.equal(highest(['read', undefined, 'edit', 'run']), 'edit');
    assert.equal(highest([]), undefined);
    assert.equal(highest([undefined]), undefined);
  });

  it('a sharee acts as the owner (quotas, secrets); owners and admins act as themselves', () => {
    assert.deepEqual(actingFor('usr_owner', user('usr_e')), { id: 'usr_owner', role: 'user' });
    assert.deepEqual(actingFor('usr_owner', user('usr_owner')), user('usr_owner'));
    const root: Principal = { id: 'usr_root', role: 'admin' };
    assert.deepEqual(actingFor('usr_owner', root), root);
  });
});
