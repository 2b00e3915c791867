// Replaces a file so that every reader sees either the old or the new contents, never a mix, and
// the new contents survive a crash once this returns: temp file, fsync, rename, fsync of the directory.
import { randomBytes } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import { open, rename, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Writes `text` to `file` with mode 0600 (the data dir holds credentials and secrets) and returns
 * the new file's stat. `replacesMtimeNs` is the mtime of the version being replaced, if any.
 * Call it holding the file's lock: the returned stat is only the file's while no one else writes.
 */
export async function writeFileAtomic(file: string, text: string, replacesMtimeNs: bigint | undefined): Promise<BigIntStats> {
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fh = await open(tmp, 'wx', 0o600);
  try {
    try {
      await fh.chmod(0o600); // whatever the umask
      await fh.writeFile(text, 'utf8');
      // Timestamps are coarse (a clock tick) and a freed inode number can come back, so two
      // versions could look identical to a reader comparing (inode, size, mtime). Each version
      // gets an mtime strictly after the one it replaces, so no identity ever repeats.
      if (replacesMtimeNs !== undefined && (await fh.stat({ bigint: true })).mtimeNs <= replacesMtimeNs) {
        const later = new Date(Number(replacesMtimeNs / 1_000_000n) + 1);
        await fh.utimes(later, later);
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await syncDir(dirname(file));
  return await stat(file, { bigint: true });
}

/** Makes the rename durable. */
async function syncDir(dir: string): Promise<void> {
  try {
    const dh = await open(dir, 'r');
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  } catch {
    // Not supported everywhere (e.g. Windows); the rename is still atomic.
  }
}
