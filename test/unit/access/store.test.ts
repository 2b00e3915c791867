// Job shares in the state store, the grants the access service gathers from them (own and team
// shares, per incarnation), and the import of a legacy shares.json: on SQLite and PostgreSQL.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Db } from '../../../core/db/open.ts';
import { ShareStore } from '../../../core/sharing/store.ts';
import { sharesImport } from '../../../core/sharing/legacy.ts';
import { AccessService } from '../../../core/access/service.ts';
import type { Job } from '../../../core/jobs/model.ts';
import { draftIdFor } from '../../../core/drafts/service.ts';
import { freshState, withEachBackend } from '../../support/db.ts';

const at = '2026-01-01T00:00:00.000Z';

/** Users and a team as the auth store would hold them (inserted directly: the auth module is not under test). */
async function principals(db: Db): Promise<void> {
  const rows = ['usr_owner', 'usr_bob', 'usr_carol', 'usr_dave'].map((id) => ({ id, kind: 'user' as const, name: id.slice(4), role: 'user' as const, password_hash: null, credential_version: 0, created_at: at }));
  await db.kysely.insertInto('principals').values([...rows, { id: 'team_ops', kind: 'team', name: 'ops', role: 'user', password_hash: null, credential_version: 0, created_at: at }]).execute();
  await db.kysely.insertInto('team_members').values([{ team_id: 'team_ops', user_id: 'usr_carol', added_at: at }]).execute();
}

const job = (id: string, incarnation: string | undefined, extras: Record<string, unknown> = {}): Job =>
  ({ id, incarnation, ownerId: 'usr_owner', extras, name: id, type: 'http', data: {}, triggers: [], tags: [] }) as unknown as Job;

withEachBackend('job shares', (fresh) => {
  it('set, level, list, remove; one row per principal; a new incarnation drops the old one\'s rows', async () => {
    const shares = new ShareStore(await fresh());
    const a = { id: 'a', incarnation: 'i1' };
    await shares.set(a, 'usr_bob', 'read', 'usr_owner');
    await shares.set(a, 'usr_bob', 'run', 'usr_owner');
    await shares.set(a, 'team_ops', 'edit', 'usr_owner');
    assert.deepEqual((await shares.sharesOf(a)).map((s) => [s.principalId, s.level, s.createdBy]), [['team_ops', 'edit', 'usr_owner'], ['usr_bob', 'run', 'usr_owner']]);
    assert.equal(await shares.levelFor(a, ['usr_bob', 'team_ops']), 'edit', 'the highest of own and team shares');
    assert.equal(await shares.levelFor(a, []), undefined);
    assert.equal(await shares.levelFor({ id: 'a', incarnation: 'other' }, ['usr_bob']), undefined, 'another creation of the id');
    assert.equal(await shares.levelFor({ id: 'a' }, ['usr_bob']), undefined, 'a legacy job with the id');
    assert.deepEqual(await shares.sharedWith(['usr_bob', 'team_ops']), [{ jobId: 'a', incarnation: 'i1', level: 'edit' }]);

    // The job was deleted and created again: its first share drops what was left from the earlier one.
    const again = { id: 'a', incarnation: 'i2' };
    assert.deepEqual(await shares.sharesOf(again), []);
    await shares.set(again, 'usr_carol', 'read', 'usr_owner');
    assert.deepEqual((await shares.sharesOf(again)).map((s) => s.principalId), ['usr_carol']);
    assert.deepEqual(await shares.sharesOf(a), []);
    assert.deepEqual(await shares.sharedWith(['usr_bob']), []);

    assert.equal(await shares.remove(again, 'usr_bob'), false);
    assert.equal(await shares.remove(a, 'usr_carol'), false, 'a remove for another incarnation removes nothing');
    assert.equal(await shares.remove(again, 'usr_carol'), true);
    await shares.set({ id: 'b' }, 'usr_bob', 'admin', null);
    assert.deepEqual(await shares.sharedWith(['usr_bob']), [{ jobId: 'b', incarnation: undefined, level: 'admin' }], 'a legacy job\'s share');
    const index = await shares.index([{ id: 'b' }, { id: 'a', incarnation: 'i2' }]);
    assert.deepEqual(index.of({ id: 'b' }).map((s) => s.level), ['admin']);
    assert.deepEqual(index.of({ id: 'b', incarnation: 'x' }), []);
    await shares.removeJob('b');
    assert.deepEqual(await shares.sharedWith(['usr_bob']), []);
  });

  it('ids are data, never SQL: quotes and wildcards match only themselves', async () => {
    const shares = new ShareStore(await fresh());
    await shares.set({ id: "x' OR '1'='1", incarnation: '%' }, "usr_'; DROP TABLE job_shares; --", 'read', null);
    assert.equal(await shares.levelFor({ id: 'x', incarnation: '%' }, ['usr_%']), undefined);
    assert.equal(await shares.levelFor({ id: "x' OR '1'='1", incarnation: '%' }, ["usr_'; DROP TABLE job_shares; --"]), 'read');
  });

  it('grants: own shares and the teams\' (highest wins); owners and admins need none; a draft follows its job', async () => {
    const db = await fresh();
    await principals(db);
    const access = new AccessService(db);
    const j = job('report', 'inc');
    await access.shares.set(j, 'usr_bob', 'read', 'usr_owner');
    await access.shares.set(j, 'team_ops', 'edit', 'usr_owner');
    const bob = { id: 'usr_bob', role: 'user' as const };
    const carol = { id: 'usr_carol', role: 'user' as const };
    const dave = { id: 'usr_dave', role: 'user' as const };
    assert.deepEqual(await access.identities(carol), ['usr_carol', 'team_ops']);
    assert.equal(await access.grantOf(bob, j), 'read');
    assert.equal(await access.grantOf(carol, j), 'edit', 'through the team');
    assert.equal(await access.grantOf(dave, j), undefined);
    assert.equal(await access.may(carol, 'edit', j), true);
    assert.equal(await access.may(bob, 'edit', j), false);
    await assert.rejects(access.authorize(dave, 'read', j), { name: 'KairosError', kind: 'not_found' } as never);
    await assert.rejects(access.authorize(bob, 'run', j), (e: { kind?: string }) => e.kind === 'forbidden');
    // Carol leaves the team: its share no longer reaches her.
    await db.kysely.deleteFrom('team_members').where('user_id', '=', 'usr_carol').execute();
    assert.equal(await access.grantOf(carol, j), undefined);
    // A draft of the job is governed by the job's shares (for the same creation of it).
    const draft = job(draftIdFor('report'), 'draft-inc', { dialect: 'draft', draft: { of: 'report', incarnation: 'inc', input: {} } });
    assert.equal(await access.grantOf(bob, draft), 'read');
    const stale = job(draftIdFor('report'), 'draft-inc', { dialect: 'draft', draft: { of: 'report', incarnation: 'older', input: {} } });
    assert.equal(await access.grantOf(bob, stale), undefined);
    assert.deepEqual(await access.sharedWith(bob), [{ jobId: 'report', incarnation: 'inc', level: 'read' }]);
    assert.equal(await access.principalExists('team_ops'), true);
    assert.equal(await access.principalExists('usr_nobody'), false);
    assert.equal(await access.principalExists('team_ops\u0000'), false, 'a NUL names nothing (and does not fail the statement)');
    assert.deepEqual(await access.listTeams(), [{ id: 'team_ops', name: 'ops' }]);
  });
});

withEachBackend('shares.json import', (_fresh, backend) => {
  it('imports levels 1/2/3 as read/edit/admin with their incarnations, renames the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kairos-shares-'));
    const file = {
      version: 1,
      jobs: { legacy: { usr_bob: 1, team_ops: 3 }, modern: { usr_bob: 2 } },
      incarnations: { modern: 'inc-m' },
    };
    writeFileSync(join(dir, 'shares.json'), JSON.stringify(file));
    const s = await freshState(backend, { dataDir: dir, imports: [sharesImport] });
    try {
      const shares = new ShareStore(s.db);
      assert.equal(await shares.levelFor({ id: 'legacy' }, ['usr_bob']), 'read');
      assert.equal(await shares.levelFor({ id: 'legacy' }, ['team_ops']), 'admin');
      assert.equal(await shares.levelFor({ id: 'modern', incarnation: 'inc-m' }, ['usr_bob']), 'edit');
      assert.equal(await shares.levelFor({ id: 'modern' }, ['usr_bob']), undefined, 'the incarnation was kept');
      assert.ok(existsSync(join(dir, 'shares.json.imported')));
      assert.ok(!existsSync(join(dir, 'shares.json')));
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a damaged or foreign file stops the start with a message that never quotes it', async () => {
    for (const text of ['{"version":1,"jobs":', JSON.stringify({ version: 1, jobs: { j: { usr_bob: 7 } } }), JSON.stringify({ version: 2, jobs: {} })]) {
      const dir = mkdtempSync(join(tmpdir(), 'kairos-shares-'));
      writeFileSync(join(dir, 'shares.json'), text);
      await assert.rejects(freshState(backend, { dataDir: dir, imports: [sharesImport] }), (e: Error) => /could not import .*shares\.json/.test(e.message) && !e.message.includes('usr_bob'));
      assert.ok(existsSync(join(dir, 'shares.json')), 'the file stays for the operator');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
