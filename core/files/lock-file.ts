// An exclusive lock shared by every process that mounts the data directory: a file created with
// O_EXCL next to the document it guards (Node's fs offers no advisory locks).
import { mkdir, open, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { KairosError } from '../errors.ts';

/** A lock older than this was left behind by a crashed process (no change takes anywhere near as long). */
const LOCK_STALE_MS = 30_000;

const isErrno = (err: unknown, code: string) => (err as NodeJS.ErrnoException | null)?.code === code;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Runs `fn` holding `lockFile`. Waits up to `timeoutMs` for another holder, then fails with
 * 'unavailable' and `lockedMessage`.
 */
export async function withLockFile<R>(lockFile: string, timeoutMs: number, lockedMessage: string, fn: () => Promise<R>): Promise<R> {
  await mkdir(dirname(lockFile), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  while (!(await tryCreate(lockFile))) {
    try {
      const st = await stat(lockFile);
      if (Date.now() - st.mtimeMs > LOCK_STALE_MS) {
        await unlink(lockFile).catch(() => undefined);
        continue;
      }
    } catch (err) {
      if (isErrno(err, 'ENOENT')) continue; // released meanwhile
      throw err;
    }
    if (Date.now() > deadline) throw new KairosError('unavailable', lockedMessage);
    await sleep(5 + Math.random() * 20);
  }
  try {
    return await fn();
  } finally {
    await unlink(lockFile).catch(() => undefined);
  }
}

async function tryCreate(lockFile: string): Promise<boolean> {
  let fh;
  try {
    fh = await open(lockFile, 'wx', 0o600);
  } catch (err) {
    if (isErrno(err, 'EEXIST')) return false;
    throw err;
  }
  try {
    // Who holds it, for whoever finds it left behind.
    await fh.writeFile(`${process.pid}\n`);
  } finally {
    await fh.close();
  }
  return true;
}
