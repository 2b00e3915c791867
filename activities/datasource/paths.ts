// Which local paths a datasource job may read and write on the worker. Never anything under the
// Kairos data directory (secrets, users, the Temporal database live there); when
// KAIROS_DATASOURCE_DIRS is set (":"-separated absolute directories), only paths under those.
import { realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { final } from './failures.ts';

const inside = (p: string, dir: string) => p === dir || p.startsWith(dir.endsWith(sep) ? dir : `${dir}${sep}`);

/** The real path of `p`, or of its nearest existing ancestor joined with the rest (symlinks resolved). */
async function realish(p: string): Promise<string> {
  try {
    return await realpath(p);
  } catch {
    const parent = dirname(p);
    return parent === p ? p : join(await realish(parent), basename(p));
  }
}

export async function checkPath(path: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (!isAbsolute(path)) throw final(`${path}: must be an absolute path`, 'PathNotAllowed');
  const real = await realish(resolve(path));
  const dataDir = await realish(resolve(env.KAIROS_DATA_DIR ?? './data'));
  if (inside(real, dataDir)) throw final(`${path}: the Kairos data directory is off limits to datasource jobs`, 'PathNotAllowed');
  const allowed = (env.KAIROS_DATASOURCE_DIRS ?? '').split(':').filter(Boolean);
  if (allowed.length) {
    const roots = await Promise.all(allowed.map((d) => realish(resolve(d))));
    if (!roots.some((r) => inside(real, r))) throw final(`${path}: not under KAIROS_DATASOURCE_DIRS`, 'PathNotAllowed');
  }
  return real;
}
