// A state store that is restarting or unreachable answers 503 (Unavailable), never 500; a wrong
// query stays an internal error. The errors are shaped as node-postgres throws them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDatabaseUnavailable, mapDatabaseError, markConnectFailure } from '../../../core/db/errors.ts';
import { Unavailable } from '../../../core/errors.ts';
import { normalizeError } from '../../../api/errors.ts';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('state-store availability errors', () => {
  it('a server shutting down, starting up or unreachable is unavailable (503)', () => {
    for (const err of [
      withCode('the database system is shutting down', '57P03'),
      withCode('terminating connection due to administrator command', '57P01'),
      withCode('connection failure', '08006'),
      markConnectFailure(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')) as Error,
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
    ]) {
      assert.ok(isDatabaseUnavailable(err), err.message);
      const mapped = mapDatabaseError(err);
      assert.ok(mapped instanceof Unavailable);
      assert.equal(mapped.cause, err, 'the cause is kept for the log');
      assert.equal(normalizeError(err).status, 503, err.message);
    }
  });

  it('a query error stays what it is (500 when nothing maps it)', () => {
    for (const err of [withCode('relation "x" does not exist', '42P01'), withCode('duplicate key value', '23505'), new Error('boom'), 'text']) {
      assert.equal(isDatabaseUnavailable(err), false);
      assert.equal(mapDatabaseError(err), err);
    }
    assert.equal(normalizeError(withCode('relation "x" does not exist', '42P01')).status, 500);
  });

  it('a value PostgreSQL text cannot hold (a NUL byte) is the request\'s fault: 400, not 500', () => {
    for (const code of ['22021', '22P05']) {
      const err = withCode('invalid byte sequence for encoding "UTF8": 0x00', code);
      assert.equal(normalizeError(err).status, 400, code);
    }
  });

  it('a refused connection is the state store\'s only when its pool says so (other sockets fail with ECONNREFUSED too)', () => {
    const refused = () => withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED');
    assert.equal(isDatabaseUnavailable(refused()), false);
    assert.equal(isDatabaseUnavailable(markConnectFailure(refused())), true);
  });
});
