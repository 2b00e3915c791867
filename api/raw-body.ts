// The JSON body of a request, read by the dialects. The app (api/app.ts) has already refused every
// body that is not JSON, or a form where a dialect documents one, with a 415; what reaches here is
// JSON text (or a documented form's text, which the caller parses itself when this fails). Each
// dialect passes its own errors so the failure renders in its wire format.
import type { Context } from 'koa';

export interface BodyErrors {
  tooLarge(): Error;
  malformed(message: string): Error;
}

/** undefined for an empty body. */
export async function readJsonBody(ctx: Context, limitBytes: number, errors: BodyErrors): Promise<unknown> {
  let raw = (ctx.request as { rawBody?: string }).rawBody;
  if (raw === undefined) {
    const parsed = ctx.request.body;
    if (parsed !== undefined && typeof parsed === 'object' && parsed !== null && Object.keys(parsed).length > 0) return parsed;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limitBytes) throw errors.tooLarge();
      chunks.push(chunk);
    }
    raw = Buffer.concat(chunks).toString('utf8');
  }
  if (raw.trim() === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch (err) {
    throw errors.malformed((err as Error).message);
  }
}

/** A body limit as configured ("2mb", "512kb", "1048576") → bytes. */
export function bodyLimitBytes(limit: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(limit.trim());
  if (!m) return 2 * 1024 * 1024;
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? 'b').toLowerCase() as 'b'] ?? 1;
  return Math.floor(Number(m[1]) * unit);
}
