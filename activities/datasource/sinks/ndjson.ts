// An NDJSON file on the worker, under the configured files directories (paths.ts), created 0600.
// At a fresh run's start the sink `mode` decides what happens to a file that exists: append after it
// (the default), replace it (truncate), or refuse (create). A resumed run truncates the file to the
// length its checkpoint recorded — an absolute length, so appended-to content stays — and the lines
// a crashed attempt wrote after its last checkpoint are dropped before they could be written twice.
// Each batch is written and synced before it counts.
import type { FileHandle } from 'node:fs/promises';
import { final } from '../failures.ts';
import type { SinkMode } from '../../../core/drivers/file-paths.ts';
import { openSinkFile } from '../paths.ts';
import type { Batch, Sink } from './types.ts';

export async function ndjsonSink(path: string, mode: SinkMode, resumeAt: number | undefined): Promise<Sink> {
  const { fh, size } = await openSinkFile(path, resumeAt === undefined ? mode : 'resume');
  let offset: number;
  try {
    offset = await startAt(fh, path, mode, size, resumeAt);
  } catch (err) {
    await fh.close().catch(() => {});
    throw err;
  }
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

/** Where the first batch goes; the file is cut there. */
async function startAt(fh: FileHandle, path: string, mode: SinkMode, size: number, resumeAt: number | undefined): Promise<number> {
  if (resumeAt !== undefined) {
    if (size < resumeAt) throw final(`${path} is shorter (${size} bytes) than the checkpoint (${resumeAt}): it changed outside this run`, 'SinkChanged');
    await fh.truncate(resumeAt);
    return resumeAt;
  }
  if (mode === 'replace') {
    await fh.truncate(0);
    return 0;
  }
  return size; // append (create opened a new, empty file)
}
