// Which state-store failures mean "the database cannot serve now" rather than "Kairos has a bug": a
// PostgreSQL server that is restarting, shutting down or unreachable. The API answers those as 503
// (try again), as it does when Temporal is down, never as a 500: a database restart is an operator's
// routine and clients (and load balancers) retry a 503.
import { Unavailable, validationError } from '../errors.ts';

/**
 * SQLSTATEs of a server that is going away or not accepting yet: class 08 (connection exception),
 * 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now (starting up, shutting down).
 */
const UNAVAILABLE_SQLSTATE = /^(?:08...|57P0[123])$/;
/** Socket-level failures of the pool's connections (only for errors the pool marked: other sockets fail with them too). */
const UNAVAILABLE_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);
/** Set on an error the state store's pool threw while getting a connection. */
const FROM_STATE_STORE = Symbol('kairos.stateStoreConnect');

/** Marks `err` as the state store's failure to connect (core/db/open.ts), so that its socket error code says "database down". */
export function markConnectFailure(err: unknown): unknown {
  if (err instanceof Error) (err as Error & { [FROM_STATE_STORE]?: boolean })[FROM_STATE_STORE] = true;
  return err;
}
/** What node-postgres throws, without a code, when the server closed the connection or the pool could not get one in time. */
const UNAVAILABLE_MESSAGE = /^(?:Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect)/;

/** Whether `err` says the state store is unreachable or restarting (transient), not that a query is wrong. */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && UNAVAILABLE_SQLSTATE.test(code)) return true;
  const marked = (err as Error & { [FROM_STATE_STORE]?: boolean })[FROM_STATE_STORE] === true;
  if (marked && typeof code === 'string' && UNAVAILABLE_ERRNO.has(code)) return true;
  return UNAVAILABLE_MESSAGE.test(err.message);
}

/**
 * SQLSTATEs of a value PostgreSQL's text cannot hold (22021 character_not_in_repertoire: a NUL byte;
 * 22P05 untranslatable_character): the request's fault, whichever lookup met it first.
 */
const UNSTORABLE_SQLSTATE = new Set(['22021', '22P05']);

/**
 * `err` as an Unavailable (its cause kept for the log) when the state store cannot serve now, as a
 * validation error when a request's value cannot be stored at all; else `err` itself.
 */
export function mapDatabaseError(err: unknown): unknown {
  const code = err instanceof Error ? (err as { code?: unknown }).code : undefined;
  if (typeof code === 'string' && UNSTORABLE_SQLSTATE.has(code)) {
    const mapped = validationError('the request holds a character that cannot be stored (such as a NUL byte)');
    mapped.cause = err;
    return mapped;
  }
  if (!isDatabaseUnavailable(err)) return err;
  const mapped = new Unavailable('the state store is unavailable; try again shortly');
  mapped.cause = err;
  return mapped;
}
