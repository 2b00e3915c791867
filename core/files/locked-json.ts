// One small JSON document in the data directory, shared by every API process that mounts it.
// Why a file and not Temporal: the collaboration data the dialects need (who a job is shared with,
// each user's favorites, the natural-id index) is keyed by user or by name, not by job run, and must
// be read strongly consistently (Temporal's visibility may miss a fresh write; a schedule's memo
// cannot be updated). The credential and secret stores are documents of this kind too: every API
// instance mounts the data dir, changes are atomic (temp file + rename, mode 0600) and serialised
// by a lock file, and every read sees the newest version (the file's identity is checked each time).
import type { BigIntStats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import { writeFileAtomic } from './atomic-write.ts';
import { withLockFile } from './lock-file.ts';

export interface LockedJsonOptions {
  /** How long to wait for another process's lock before failing with 'unavailable' (default 10 s). */
  lockTimeoutMs?: number;
  /** What the document is, to lead error messages (e.g. 'credential store'); they always name the file. */
  label?: string;
  /** Indentation of the written JSON (default none). */
  indent?: number;
  /**
   * Whether a malformed-file error lists the failing fields (paths and Zod's messages). Off by
   * default: a path holds the document's keys, which may be private; no error ever quotes a value.
   */
  explainMalformed?: boolean;
}

/** One version of the file as read or written; `sig` is 'absent' when there was no file. */
interface Version<T> {
  sig: string;
  mtimeNs: bigint | undefined;
  data: T;
}

const isErrno = (err: unknown, code: string) => (err as NodeJS.ErrnoException | null)?.code === code;
const signature = (st: BigIntStats) => `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}`;

export class LockedJsonFile<T> {
  readonly file: string;
  private readonly lockFile: string;
  private readonly what: string;
  private cached: Version<T> | undefined;
  /** The freshness check in flight, shared by everyone who asks meanwhile. */
  private loading: Promise<Version<T>> | undefined;
  /** Serialises this process's changes (the lock file serialises processes). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    dir: string,
    name: string,
    private readonly schema: z.ZodType<T>,
    private readonly empty: () => T,
    private readonly opts: LockedJsonOptions = {},
  ) {
    this.file = join(dir, name);
    this.lockFile = `${this.file}.lock`;
    this.what = opts.label ? `${opts.label} ${this.file}` : this.file;
  }

  /** The current document (a copy: callers may not change the cache). */
  async read(): Promise<T> {
    return structuredClone((await this.load()).data);
  }

  /**
   * The current document itself, not a copy: callers must not change it. It is the same object
   * until the file changes, so a caller can keep data derived from it (indexes) and rebuild them
   * only when the object is another one.
   */
  async shared(): Promise<Readonly<T>> {
    return (await this.load()).data;
  }

  /** Applies `fn` to a fresh copy under the lock and writes it atomically; a throw writes nothing. */
  update<R>(fn: (draft: T) => R | Promise<R>): Promise<R> {
    const run = () =>
      withLockFile(this.lockFile, this.opts.lockTimeoutMs ?? 10_000, `${this.what} is locked by another process; try again shortly`, async () => {
        // Its own check, not a shared one: a check that began before we held the lock may predate
        // another process's write.
        const current = await this.check();
        const draft = structuredClone(current.data);
        const result = await fn(draft);
        const st = await writeFileAtomic(this.file, JSON.stringify(draft, null, this.opts.indent) + '\n', current.mtimeNs);
        // We hold the lock, so the file is still what we wrote: remember it and skip re-reading it.
        // A copy, since `result` may share objects with the draft.
        this.cached = { sig: signature(st), mtimeNs: st.mtimeNs, data: structuredClone(draft) };
        return result;
      });
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** Resolves when this process's queued changes are done (whether they failed or not). */
  async settled(): Promise<void> {
    await this.queue;
  }

  /**
   * The current version, re-read only if the file's identity changed since the last read. This runs
   * on every authenticated request (the credential store), so the usual case is one stat() and
   * concurrent callers share it: a stat is one trip to libuv's thread pool, open + fstat + close
   * were three, and under load each trip waits for a turn of the event loop.
   */
  private load(): Promise<Version<T>> {
    this.loading ??= this.check().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async check(): Promise<Version<T>> {
    try {
      const st = await stat(this.file, { bigint: true });
      if (this.cached && this.cached.sig === signature(st)) return this.cached;
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
      if (this.cached?.sig !== 'absent') this.cached = { sig: 'absent', mtimeNs: undefined, data: this.empty() };
      return this.cached;
    }
    return await this.reread();
  }

  /** Reads the file through one descriptor, so the signature kept is that of the text parsed. */
  private async reread(): Promise<Version<T>> {
    let fh;
    try {
      fh = await open(this.file, 'r');
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
      this.cached = { sig: 'absent', mtimeNs: undefined, data: this.empty() };
      return this.cached;
    }
    try {
      const st = await fh.stat({ bigint: true });
      const sig = signature(st);
      if (this.cached?.sig === sig) return this.cached;
      const version = { sig, mtimeNs: st.mtimeNs, data: this.parse(await fh.readFile('utf8')) };
      this.cached = version;
      return version;
    } finally {
      await fh.close();
    }
  }

  /** Never quotes the text: the document may hold secrets (JSON.parse's own message would quote it). */
  private parse(text: string): T {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Error(`${this.what} is not valid JSON; fix or remove it`);
    }
    const result = this.schema.safeParse(parsed);
    if (result.success) return result.data;
    const where = this.opts.explainMalformed ? ` (${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})` : '';
    throw new Error(`${this.what} is malformed${where}; fix or remove it`);
  }
}
