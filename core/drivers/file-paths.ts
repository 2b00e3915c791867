// Where a datasource job's files may be, as far as save time can tell from the text: absolute, no
// `..`, below a directory of KAIROS_DATASOURCE_DIRS. The worker checks the file system itself again
// at run time (activities/datasource/paths.ts).
import { isAbsolute, resolve, sep } from 'node:path';
import { datasourceConfig } from '../config.ts';

/** Where job files may be: the configured directories, and the data directory they must keep out of. */
export interface FileRoots {
  dirs: readonly string[];
  dataDir: string;
}

/** How an NDJSON sink treats the file at a fresh run's start (a resumed run cuts back to its checkpoint). */
export const SINK_MODES = ['append', 'replace', 'create'] as const;
export type SinkMode = (typeof SINK_MODES)[number];

export const fileRoots = (): FileRoots => datasourceConfig();

/** `p` is `dir` or lies below it. */
export const inside = (p: string, dir: string): boolean => p === dir || p.startsWith(dir.endsWith(sep) ? dir : `${dir}${sep}`);
/** `p` lies strictly below `dir`. */
export const below = (p: string, dir: string): boolean => p !== dir && inside(p, dir);

/** The part of the rule that needs no configuration: absolute, no `..` segment. */
export function pathSyntaxProblem(path: string): string | undefined {
  if (!isAbsolute(path)) return 'must be an absolute path on the worker';
  if (path.split('/').includes('..')) return 'must not contain ".." segments';
  if (path.includes('\0')) return 'must not contain NUL characters';
  return undefined;
}

/** The whole save-time rule: syntax, and below one of the configured directories. */
export function pathProblem(path: string, dirs: readonly string[]): string | undefined {
  const problem = pathSyntaxProblem(path);
  if (problem) return problem;
  if (!dirs.some((d) => below(resolve(path), d))) return `must be under a directory of KAIROS_DATASOURCE_DIRS (${dirs.join(', ')})`;
  return undefined;
}
