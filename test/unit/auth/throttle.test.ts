// The failed-login throttle on its own: per-user and per-address counts, refusals that do not count,
// a success that clears its username, and a window after which attempts are allowed again.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LoginThrottle } from '../../../core/auth/throttle.ts';
import { RateLimited } from '../../../core/errors.ts';
import { waitFor } from '../../support/wait-for.ts';

const fail = async (t: LoginThrottle, username: string | undefined, address: string) => {
  await t.check({ username, address });
  await t.begin({ username, address });
};
const refused = async (p: Promise<unknown>) => {
  await assert.rejects(p, (err) => err instanceof RateLimited && err.retryAfterSeconds > 0);
};

void describe('LoginThrottle', () => {
  void it('refuses a username after its failures, even on another address; other users are unaffected', async () => {
    const t = new LoginThrottle({ failuresPerUser: 3, failuresPerAddress: 100, windowMs: 60_000 });
    for (let i = 0; i < 3; i++) await fail(t, 'ana', '10.0.0.1');
    await refused(t.check({ username: 'ana', address: '10.0.0.2' }));
    await refused(t.begin({ username: 'ana', address: '10.0.0.2' }));
    await t.check({ username: 'bob', address: '10.0.0.1' });
  });

  void it('refuses an address after its failures; refused attempts do not count', async () => {
    const t = new LoginThrottle({ failuresPerUser: 2, failuresPerAddress: 5, windowMs: 60_000 });
    await fail(t, 'ana', '10.0.0.1');
    await fail(t, 'ana', '10.0.0.1');
    // ana is throttled: 20 more attempts are refused without counting against the address.
    for (let i = 0; i < 20; i++) await refused(fail(t, 'ana', '10.0.0.1'));
    for (const u of ['b', 'c', 'd']) await fail(t, u, '10.0.0.1');
    await refused(t.check({ username: 'eve', address: '10.0.0.1' }));
    await t.check({ username: 'eve', address: '10.0.0.2' });
  });

  void it('a success clears the username (not the address)', async () => {
    const t = new LoginThrottle({ failuresPerUser: 2, failuresPerAddress: 3, windowMs: 60_000 });
    await fail(t, 'ana', '10.0.0.1');
    const ok = await t.begin({ username: 'ana', address: '10.0.0.1' });
    await ok.succeeded();
    await fail(t, 'ana', '10.0.0.1');
    await t.check({ username: 'ana', address: '10.0.0.1' });
    await fail(t, 'bob', '10.0.0.1');
    await refused(t.check({ username: 'carl', address: '10.0.0.1' }));
  });

  void it('the window ends', async () => {
    const t = new LoginThrottle({ failuresPerUser: 1, failuresPerAddress: 10, windowMs: 1000 });
    await fail(t, 'ana', '10.0.0.1');
    await refused(t.check({ username: 'ana' }));
    await waitFor(async () => (await t.check({ username: 'ana' }), true), 5000, 'the window to end');
  });
});
