// Shared helpers for the reference oracles: the cache directory (outside the repo) and
// source-hash-keyed builds, so each oracle is compiled once per source version.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const ORACLE_DIR = join(import.meta.dirname);

export function cacheDir(): string {
  const dir = process.env.KAIROS_ORACLE_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kairos', 'oracles');
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function sourceHash(...files: string[]): string {
  const h = createHash('sha256');
  for (const f of files) h.update(readFileSync(f));
  return h.digest('hex').slice(0, 16);
}

export function hasCommand(cmd: string, args: string[] = ['--version']): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return r.error === undefined;
}

export function exists(p: string): boolean {
  return existsSync(p);
}

/** Result of preparing an oracle: a way to run it, or why it cannot run here. */
export type Oracle<Req, Res> = { available: true; run: (reqs: readonly Req[]) => Res[] } | { available: false; reason: string };
