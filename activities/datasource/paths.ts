// Which files a datasource job may read and write on the worker: only below the directories the
// operator names in KAIROS_DATASOURCE_DIRS (default `<data dir>/files`), whoever owns the job.
//
// Save time checks the text (absolute, no `..`, below a configured directory). Run time checks the
// file system: no symbolic link below the configured directory (in the last component or any
// directory on the way), nothing that really lies in /proc, /dev, /sys or the data directory (but a
// files directory inside it). The file is then opened with O_NOFOLLOW and the opened descriptor is
// checked (a regular file, the very file at the checked path), so a link swapped in between the check
// and the open cannot redirect it.
import { constants } from 'node:fs';
import { lstat, mkdir, open, realpath, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { SYSTEM_TREES } from '../../core/config.ts';
import { below, fileRoots, inside, pathProblem, type FileRoots, type SinkMode } from '../../core/drivers/file-paths.ts';
import { errorText, final, retryable } from './failures.ts';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK } = constants;
/** Whoever else may log in on the worker's machine has no business reading a job's output. */
const SINK_FILE_MODE = 0o600;

const code = (err: unknown) => (err as NodeJS.ErrnoException | undefined)?.code;

/** A refusal: final (a retry would meet the same rule), and never a word of the file's contents. */
export const notAllowed = (path: string, why: string) => final(`${path}: ${why}`, 'PathNotAllowed');

/** The real path of `p`, or of its nearest existing ancestor joined with the rest. */
async function realish(p: string): Promise<string> {
  try {
    return await realpath(p);
  } catch {
    const parent = dirname(p);
    return parent === p ? p : join(await realish(parent), basename(p));
  }
}

/**
 * Where `path` really is, if it may be used: below a configured directory, through no symbolic link
 * after that directory, and not in a system tree or the data directory. Components that do not exist
 * yet (a sink's new file and directories) are taken as written.
 */
export async function resolveAllowed(path: string, roots: FileRoots = fileRoots()): Promise<string> {
  const problem = pathProblem(path, roots.dirs);
  if (problem) throw notAllowed(path, problem);
  const wanted = resolve(path);
  // The deepest configured directory that holds it: links above it are the operator's own.
  const root = roots.dirs.filter((d) => below(wanted, d)).sort((a, b) => b.length - a.length)[0] as string;
  const realRoot = await realish(root);
  const parts = relative(root, wanted).split(sep);
  let real = realRoot;
  let exists = true;
  for (const [i, part] of parts.entries()) {
    real = join(real, part);
    if (!exists) continue;
    let isLink: boolean;
    try {
      isLink = (await lstat(real)).isSymbolicLink();
    } catch (err) {
      if (!['ENOENT', 'ENOTDIR'].includes(code(err) ?? '')) throw retryable(`cannot check ${path}: ${errorText(err)}`, 'PathUnavailable');
      exists = false; // to be created (a sink), or the open says what is missing
      continue;
    }
    if (isLink) throw notAllowed(path, i === parts.length - 1 ? 'is a symbolic link' : 'passes through a symbolic link');
  }
  if (SYSTEM_TREES.some((t) => inside(real, t))) throw notAllowed(path, 'lies in /proc, /dev or /sys');
  const realData = await realish(resolve(roots.dataDir));
  // The data directory holds credentials and secrets: only a files directory inside it is open.
  if (inside(real, realData) && !below(realRoot, realData)) throw notAllowed(path, 'lies in the Kairos data directory');
  return real;
}

/** The opened descriptor is a regular file, and the very one that now stands at the checked path. */
async function verifyOpened(fh: FileHandle, real: string, path: string): Promise<number> {
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw notAllowed(path, 'is not a regular file');
    // A second name for a file elsewhere (the data directory's auth.json, say) is as bad as a link to it.
    if (st.nlink > 1) throw notAllowed(path, 'has other hard links');
    const again = await realpath(real).catch(() => undefined);
    const at = again === real ? await stat(real).catch(() => undefined) : undefined;
    if (!at || at.ino !== st.ino || at.dev !== st.dev) throw notAllowed(path, 'changed while it was being opened (a link swapped in?)');
    return st.size;
  } catch (err) {
    await fh.close().catch(() => {});
    throw err;
  }
}

/** Opens a source file for reading; the size is the opened file's. */
export async function openSourceFile(path: string, roots: FileRoots = fileRoots()): Promise<{ fh: FileHandle; size: number }> {
  const real = await resolveAllowed(path, roots);
  let fh: FileHandle;
  try {
    // O_NONBLOCK: a FIFO planted at the path must not hang the open (it is refused right after).
    fh = await open(real, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (err) {
    if (code(err) === 'ELOOP') throw notAllowed(path, 'is a symbolic link');
    throw retryable(`cannot read ${path}: ${errorText(err)}`, 'SourceUnreachable');
  }
  return { fh, size: await verifyOpened(fh, real, path) };
}

/**
 * Opens a sink file for writing. A new file is created 0600 (whatever the umask); `create` refuses
 * a file that exists. The caller decides what to keep (append, replace, resume).
 */
export async function openSinkFile(path: string, mode: SinkMode | 'resume', roots: FileRoots = fileRoots()): Promise<{ fh: FileHandle; size: number; created: boolean }> {
  const real = await resolveAllowed(path, roots);
  const flags = O_WRONLY | O_NOFOLLOW | O_NONBLOCK;
  try {
    await mkdir(dirname(real), { recursive: true, mode: 0o700 });
  } catch (err) {
    throw retryable(`cannot open ${path}: ${errorText(err)}`, 'SinkUnavailable');
  }
  for (let tries = 0; ; tries++) {
    let fh: FileHandle;
    let created = true;
    try {
      // O_EXCL also refuses a symbolic link at the path, so a new file is never created through one.
      fh = await open(real, flags | O_CREAT | O_EXCL, SINK_FILE_MODE);
    } catch (err) {
      if (code(err) !== 'EEXIST') throw retryable(`cannot open ${path}: ${errorText(err)}`, 'SinkUnavailable');
      if (mode === 'create') throw final(`${path} exists: sink mode "create" writes only a new file (use "append" or "replace")`, 'SinkExists');
      created = false;
      try {
        fh = await open(real, flags);
      } catch (err2) {
        if (code(err2) === 'ELOOP') throw notAllowed(path, 'is a symbolic link');
        if (code(err2) === 'ENOENT' && tries < 3) continue; // removed in between: create it after all
        throw retryable(`cannot open ${path}: ${errorText(err2)}`, 'SinkUnavailable');
      }
    }
    const size = await verifyOpened(fh, real, path);
    if (created) await fh.chmod(SINK_FILE_MODE);
    return { fh, size, created };
  }
}

/** Creates the configured directories (0700) at start-up, so the default one exists on a fresh install. */
export async function ensureFileDirs(dirs: readonly string[]): Promise<void> {
  for (const d of dirs) await mkdir(d, { recursive: true, mode: 0o700 });
}
