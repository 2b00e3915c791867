// `npm test` must leave a checkout as it found it (issue #16: a fresh clone's `npm test` and `npm start`
// modify no tracked file; everything they write goes to gitignored places: node_modules, data dirs,
// the cache). `snapshot` (first step of `npm test`) records `git status` and the diff against HEAD;
// `check` (last step) fails, naming the files, when either changed meanwhile. Local edits made before
// the run are fine: only a change made during it counts. Outside a git checkout both do nothing.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, URL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const git = (...args) => execFileSync('git', args, { cwd: root, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });

/** The tree's state: one line per changed or untracked path, and a hash of the tracked files' diff. */
function state() {
  const status = git('status', '--porcelain=v1', '--untracked-files=all').split('\n').filter(Boolean).sort();
  const diff = createHash('sha256').update(git('diff', 'HEAD', '--binary')).digest('hex');
  return { status, diff };
}

let inRepo = false;
try {
  inRepo = git('rev-parse', '--is-inside-work-tree').trim() === 'true';
} catch {
  inRepo = false;
}
const [mode] = process.argv.slice(2);
// Per checkout (several worktrees may test at once): outside the tree, so writing it changes nothing.
const file = join(tmpdir(), `kairos-tree-${createHash('sha256').update(root).digest('hex').slice(0, 16)}.json`);
if (!inRepo) {
  if (mode === 'check') console.error('[kairos] not a git checkout: the clean-tree check is skipped');
} else if (mode === 'snapshot') {
  writeFileSync(file, JSON.stringify(state()));
} else if (mode === 'check') {
  if (!existsSync(file)) {
    console.error('[kairos] no snapshot of the tree from the start of this run (node scripts/clean-tree.mjs snapshot); the clean-tree check is skipped');
  } else {
    const before = JSON.parse(readFileSync(file, 'utf8'));
    const after = state();
    const was = new Set(before.status);
    const now = new Set(after.status);
    const changed = [...after.status.filter((l) => !was.has(l)).map((l) => `now:    ${l}`), ...before.status.filter((l) => !now.has(l)).map((l) => `before: ${l}`)];
    if (changed.length > 0 || before.diff !== after.diff) {
      console.error('[kairos] the test run changed files of the checkout (it must write only to gitignored places):');
      console.error(changed.length > 0 ? changed.join('\n') : '(files that were already modified were modified further; see git diff)');
      process.exit(1);
    }
    console.error('[kairos] the checkout is as the run found it (git status unchanged)');
  }
} else {
  console.error('usage: node scripts/clean-tree.mjs snapshot|check');
  process.exit(2);
}
