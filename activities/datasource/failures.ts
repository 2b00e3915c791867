// The failures a datasource run can end with. Retryable ones follow the job's retry policy (and the
// retry resumes from the checkpoint); non-retryable ones fail the run at once with a clear reason.
import { ApplicationFailure } from '@temporalio/common';

export const retryable = (message: string, type: string) => ApplicationFailure.retryable(message, type);
export const final = (message: string, type: string) => ApplicationFailure.nonRetryable(message, type);

export const errorText = (err: unknown): string => {
  const e = err as Error & { code?: string; cause?: { code?: string; message?: string } };
  const cause = e?.cause?.code ?? e?.cause?.message;
  const base = e?.message || e?.code || String(err);
  return cause && !base.includes(cause) ? `${base} (${cause})` : base;
};

/** Network-level errors worth another attempt. */
const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

/** A PostgreSQL error as a failure: connection trouble and transient server states are retried; SQL errors are final. */
export function pgFailure(err: unknown, what: string, type: string): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  const code = (err as { code?: string })?.code ?? '';
  const message = `${what}: ${errorText(err)}`;
  const sqlstate = /^[0-9A-Z]{5}$/.test(code) ? code : '';
  const transient = sqlstate ? ['08', '40', '53', '57', '58'].includes(sqlstate.slice(0, 2)) : true;
  return transient || TRANSIENT_CODES.has(code) ? retryable(message, type) : final(`${message}${sqlstate ? ` [SQLSTATE ${sqlstate}]` : ''}`, type);
}

/** An HTTP status as a failure: 4xx (but 408, 425, 429) is final, the rest is retried. */
export function httpStatusFailure(status: number, what: string, type: string): ApplicationFailure {
  const message = `${what} answered ${status}`;
  return status >= 400 && status < 500 && ![408, 425, 429].includes(status) ? final(message, type) : retryable(message, type);
}
