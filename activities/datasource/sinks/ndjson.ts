// An NDJSON file on the worker. A fresh run starts it empty; a resumed run truncates it to the
// length the checkpoint recorded, so the lines a crashed attempt wrote after its last checkpoint are
// dropped before they could be written twice. Each batch is written and synced before it counts.
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { errorText, final, retryable } from '../failures.ts';
import { checkPath } from '../paths.ts';
import type { Batch, Sink } from './types.ts';

export async function ndjsonSink(path: string, resumeAt: number | undefined): Promise<Sink> {
  const real = await checkPath(path);
  let fh: FileHandle;
  try {
    await mkdir(dirname(real), { recursive: true });
    fh = await open(real, 'r+').catch(async (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return await open(real, 'w+');
      throw err;
    });
  } catch (err) {
    throw retryable(`cannot open ${path}: ${errorText(err)}`, 'SinkUnavailable');
  }
  let offset = resumeAt ?? 0;
  const size = (await fh.stat()).size;
  if (size < offset) {
    await fh.close();
    throw final(`${path} is shorter (${size} bytes) than the checkpoint (${offset}): it changed outside this run`, 'SinkChanged');
  }
  await fh.truncate(offset);
  return {
    async write(batch: Batch) {
      if (batch.rows.length === 0) return;
      let text = '';
      for (const r of batch.rows) text += `${JSON.stringify(r)}\n`;
      const buf = Buffer.from(text, 'utf8');
      let done = 0;
      while (done < buf.length) done += (await fh.write(buf, done, buf.length - done, offset + done)).bytesWritten;
      await fh.datasync();
      offset += buf.length;
    },
    position: () => ({ offset }),
    close: () => fh.close(),
  };
}
