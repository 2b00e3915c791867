// The bytes of a file or HTTP source, from a byte offset on (a resumed CSV/NDJSON read). A file is
// read from the offset; an HTTP source is asked for a Range and, if the server ignores it, the bytes
// before the offset are read and dropped. Either way memory stays bounded by the stream's buffer.
import { pipeline, Readable, Transform } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Response } from 'undici';
import { egressFetch } from '../../../core/net/connect.ts';
import { egressDenial } from '../../../core/net/egress.ts';
import { errorText, final, httpStatusFailure, retryable } from '../failures.ts';
import { openSourceFile } from '../paths.ts';
import type { SourceSpec } from '../../../core/drivers/datasource.ts';

type ByteSpec = Exclude<SourceSpec, { kind: 'postgres' }>;

export interface ByteSource {
  stream: Readable;
  /** HTTP entity tag, to notice a source that changed between attempts. */
  etag?: string;
}

const HIGH_WATER = 256 * 1024;

/** Drops the first `n` bytes of a stream. */
function skipBytes(n: number): Transform {
  let left = n;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      if (left >= chunk.length) {
        left -= chunk.length;
        cb();
      } else {
        const rest = left > 0 ? chunk.subarray(left) : chunk;
        left = 0;
        cb(null, rest);
      }
    },
  });
}

export async function openBytes(spec: ByteSpec, offset: number, etag: string | undefined, signal: AbortSignal): Promise<ByteSource> {
  if (spec.kind === 'file') {
    // Checked and opened once: the stream reads the descriptor that was checked, not the path again.
    const { fh, size } = await openSourceFile(spec.path);
    if (size < offset) {
      await fh.close();
      throw final(`${spec.path} is shorter (${size} bytes) than the checkpoint (${offset}): it changed during the run`, 'SourceChanged');
    }
    return { stream: fh.createReadStream({ start: offset, highWaterMark: HIGH_WATER, signal }) };
  }

  const url = new URL(spec.url);
  const where = `GET ${url.origin}${url.pathname}`;
  const headers: Record<string, string> = { 'user-agent': 'kairos', ...spec.headers };
  if (offset > 0) headers.range = `bytes=${offset}-`;
  if (offset > 0 && etag) headers['if-range'] = etag;
  // The timeout covers the response headers only: the body may stream for as long as the run lasts.
  const ctl = new AbortController();
  const onAbort = () => ctl.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => ctl.abort(new Error(`no response within ${spec.timeoutMs} ms`)), spec.timeoutMs);
  let res: Response;
  try {
    res = await egressFetch(url, { headers, signal: ctl.signal, redirect: 'follow' });
  } catch (err) {
    signal.removeEventListener('abort', onAbort);
    if (signal.aborted) throw err;
    const denied = egressDenial(err);
    if (denied) throw final(denied.message, 'EgressDenied');
    throw retryable(`${where} failed: ${ctl.signal.aborted ? errorText(ctl.signal.reason) : errorText(err)}`, 'SourceUnreachable');
  } finally {
    clearTimeout(timer);
  }
  const cleanup = () => signal.removeEventListener('abort', onAbort);
  if (res.status !== 200 && res.status !== 206) {
    cleanup();
    await res.body?.cancel().catch(() => {});
    throw httpStatusFailure(res.status, where, 'SourceUnreachable');
  }
  const got = res.headers.get('etag') ?? undefined;
  if (etag && got && got !== etag) {
    cleanup();
    await res.body?.cancel().catch(() => {});
    throw final(`${where}: the source changed during the run (ETag ${etag} → ${got})`, 'SourceChanged');
  }
  if (!res.body) {
    cleanup();
    return { stream: Readable.from([]), etag: got };
  }
  let stream = Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>, { highWaterMark: HIGH_WATER });
  stream.once('close', cleanup);
  const partial = res.status === 206 ? /^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '') : null;
  if (offset > 0) {
    if (res.status === 206) {
      if (!partial || Number(partial[1]) !== offset) {
        stream.destroy();
        throw final(`${where}: answered a range other than the one asked for (${res.headers.get('content-range')})`, 'SourceChanged');
      }
    } else {
      const skipped = skipBytes(offset);
      pipeline(stream, skipped, () => {}); // errors (a stop, a dropped connection) reach the reader through `skipped`
      stream = skipped;
    }
  }
  return { stream, etag: got };
}
