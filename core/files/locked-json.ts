// One small JSON document in the data directory, shared by every API process that mounts it.
// Why a file and not Temporal: the collaboration data the dialects need (who a job is shared with,
// each user's favorites, the natural-id index) is keyed by user or by name, not by job run, and must
// be read strongly consistently (Temporal's visibility may miss a fresh write; a schedule's memo
// cannot be updated). The credential and secret stores already live in the data directory on the
// same terms: every API instance mounts it, changes are atomic (temp file + rename) and serialised
// by a lock file, and every read sees the newest version (the file's identity is checked each time).
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { KairosError } from '../errors.ts';

const LOCK_STALE_MS = 30_000;
const isErrno = (err: unknown, code: string) => (err as NodeJS.ErrnoException | null)?.code === code;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const signature = (st: BigIntStats) => `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}`;

export class LockedJsonFile<T> {
  readonly file: string;
  private readonly lockFile: string;
  private cached: { sig: string; data: T } | undefined;
  /** Serialises this process's changes (the lock file serialises processes). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly dir: string,
    name: string,
    private readonly schema: z.ZodType<T>,
    private readonly empty: () => T,
    private readonly lockTimeoutMs = 10_000,
  ) {
    this.file = join(dir, name);
    this.lockFile = `${this.file}.lock`;
  }

  /** The current document (a copy: callers may not change the cache). */
  async read(): Promise<T> {
    return structuredClone(await this.current());
  }

  /** Applies `fn` to a fresh copy under the lock and writes it atomically; a throw writes nothing. */
  update<R>(fn: (draft: T) => R): Promise<R> {
    const run = () =>
      this.withLock(async () => {
        const draft = structuredClone(await this.current());
        const result = fn(draft);
        await this.write(draft);
        return result;
      });
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private async current(): Promise<T> {
    let fh;
    try {
      fh = await open(this.file, 'r');
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return this.empty();
      throw err;
    }
    try {
      const sig = signature(await fh.stat({ bigint: true }));
      if (this.cached?.sig === sig) return this.cached.data;
      const text = await fh.readFile('utf8');
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new Error(`${this.file} is not valid JSON; fix or remove it`);
      }
      const result = this.schema.safeParse(parsed);
      if (!result.success) throw new Error(`${this.file} is malformed; fix or remove it`);
      this.cached = { sig, data: result.data };
      return result.data;
    } finally {
      await fh.close();
    }
  }

  private async write(data: T): Promise<void> {
    const tmp = `${this.file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    const before = await stat(this.file, { bigint: true }).catch(() => undefined);
    const fh = await open(tmp, 'wx', 0o600);
    try {
      try {
        await fh.writeFile(JSON.stringify(data) + '\n', 'utf8');
        // Coarse timestamps could make two versions look alike to a reader comparing (inode, size,
        // mtime): each version gets an mtime strictly after the one it replaces.
        if (before && (await fh.stat({ bigint: true })).mtimeNs <= before.mtimeNs) {
          const later = new Date(Number(before.mtimeNs / 1_000_000n) + 1);
          await fh.utimes(later, later);
        }
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, this.file);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
  }

  private async withLock<R>(fn: () => Promise<R>): Promise<R> {
    await mkdir(this.dir, { recursive: true });
    const deadline = Date.now() + this.lockTimeoutMs;
    for (;;) {
      try {
        const fh = await open(this.lockFile, 'wx', 0o600);
        await fh.close();
        break;
      } catch (err) {
        if (!isErrno(err, 'EEXIST')) throw err;
      }
      const st = await stat(this.lockFile).catch(() => undefined);
      if (st && Date.now() - st.mtimeMs > LOCK_STALE_MS) await unlink(this.lockFile).catch(() => undefined); // a crashed process's
      else if (Date.now() > deadline) throw new KairosError('unavailable', `${this.file} is locked; try again shortly`);
      else await sleep(5 + Math.random() * 20);
    }
    try {
      return await fn();
    } finally {
      await unlink(this.lockFile).catch(() => undefined);
    }
  }
}
