// Where datasource files may be (activities/datasource/paths.ts), against a real file system: a files
// directory of the test's own, symbolic links planted inside it, a FIFO, a fake data directory.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { link, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { pathProblem, type FileRoots } from '../../../core/drivers/file-paths.ts';
import { openSinkFile, openSourceFile, resolveAllowed } from '../../../activities/datasource/paths.ts';

const refused = (why: RegExp) => (e: unknown) => e instanceof ApplicationFailure && e.type === 'PathNotAllowed' && e.nonRetryable === true && why.test(e.message);

void describe('datasource paths', () => {
  let base: string;
  let files: string;
  let roots: FileRoots;
  let outside: string;

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'kairos-paths-'));
    const dataDir = join(base, 'data');
    files = join(dataDir, 'files'); // the default layout: the files directory inside the data directory
    await mkdir(join(files, 'sub'), { recursive: true });
    roots = { dirs: [files], dataDir };
    await writeFile(join(dataDir, 'auth.json'), '{"users":"secret"}');
    await writeFile(join(files, 'ok.csv'), 'id\n1\n');
    outside = join(base, 'outside.txt');
    await writeFile(outside, 'SECRET=1\n');
  });
  after(async () => {
    await rm(base, { recursive: true, force: true });
  });

  void it('save time: absolute, no "..", strictly under a configured directory', () => {
    const dirs = ['/srv/files', '/data/in'];
    assert.equal(pathProblem('/srv/files/a/b.csv', dirs), undefined);
    assert.equal(pathProblem('/data/in/x', dirs), undefined);
    assert.match(pathProblem('srv/files/a.csv', dirs) ?? '', /absolute/);
    assert.match(pathProblem('/srv/files/../../etc/passwd', dirs) ?? '', /"\.\."/);
    assert.match(pathProblem('/srv/files/a/../b.csv', dirs) ?? '', /"\.\."/, 'even when it would stay inside');
    assert.match(pathProblem('/srv/filesystem/x', dirs) ?? '', /KAIROS_DATASOURCE_DIRS \(\/srv\/files, \/data\/in\)/, 'a name prefix is not a directory');
    assert.match(pathProblem('/srv/files', dirs) ?? '', /under a directory/, 'the directory itself is not a file in it');
    assert.match(pathProblem('/etc/passwd', dirs) ?? '', /under a directory/);
  });

  void it('run time: a plain file below the directory resolves to itself; a missing one is taken as written', async () => {
    assert.equal(await resolveAllowed(join(files, 'ok.csv'), roots), join(files, 'ok.csv'));
    assert.equal(await resolveAllowed(join(files, 'new', 'deep', 'out.ndjson'), roots), join(files, 'new', 'deep', 'out.ndjson'));
    await assert.rejects(resolveAllowed('/etc/passwd', roots), refused(/under a directory/));
    await assert.rejects(resolveAllowed('/proc/self/environ', roots), refused(/under a directory/));
  });

  void it('refuses a symbolic link in the last component and in any directory below the root', async () => {
    await symlink(outside, join(files, 'link.txt'));
    await symlink(base, join(files, 'dirlink'));
    await assert.rejects(resolveAllowed(join(files, 'link.txt'), roots), refused(/is a symbolic link/));
    await assert.rejects(resolveAllowed(join(files, 'dirlink', 'outside.txt'), roots), refused(/passes through a symbolic link/));
    await assert.rejects(resolveAllowed(join(files, 'dirlink', 'data', 'auth.json'), roots), refused(/passes through a symbolic link/));
    await assert.rejects(openSourceFile(join(files, 'link.txt'), roots), refused(/symbolic link/));
    await assert.rejects(openSinkFile(join(files, 'link.txt'), 'append', roots), refused(/symbolic link/));
    await assert.rejects(openSinkFile(join(files, 'link.txt'), 'replace', roots), refused(/symbolic link/));
    assert.equal(await readFile(outside, 'utf8'), 'SECRET=1\n', 'the link target is untouched');
  });

  void it('an operator-configured directory may itself be a link, unless it leads into the data directory or a system tree', async () => {
    const real = join(base, 'real-in');
    await mkdir(real);
    await writeFile(join(real, 'a.csv'), 'x\n');
    await symlink(real, join(base, 'in-link'));
    assert.equal(await resolveAllowed(join(base, 'in-link', 'a.csv'), { dirs: [join(base, 'in-link')], dataDir: roots.dataDir }), join(real, 'a.csv'));
    await symlink(roots.dataDir, join(base, 'data-link'));
    await assert.rejects(resolveAllowed(join(base, 'data-link', 'auth.json'), { dirs: [join(base, 'data-link')], dataDir: roots.dataDir }), refused(/data directory/));
    await symlink('/proc/self', join(base, 'proc-link'));
    await assert.rejects(resolveAllowed(join(base, 'proc-link', 'environ'), { dirs: [join(base, 'proc-link')], dataDir: roots.dataDir }), refused(/\/proc/));
  });

  void it('opens regular files only: a FIFO, a directory or a hard-linked file is refused (and the FIFO does not hang the open)', async () => {
    execFileSync('mkfifo', [join(files, 'pipe')]);
    await assert.rejects(openSourceFile(join(files, 'pipe'), roots), refused(/not a regular file/));
    await assert.rejects(openSourceFile(join(files, 'sub'), roots), refused(/not a regular file/));
    await link(join(roots.dataDir, 'auth.json'), join(files, 'hard.json'));
    await assert.rejects(openSourceFile(join(files, 'hard.json'), roots), refused(/hard links/));
    await assert.rejects(openSinkFile(join(files, 'hard.json'), 'replace', roots), refused(/hard links/));
    assert.equal(await readFile(join(roots.dataDir, 'auth.json'), 'utf8'), '{"users":"secret"}');
    const { fh, size } = await openSourceFile(join(files, 'ok.csv'), roots);
    assert.equal(size, 5);
    await fh.close();
  });

  void it('a new sink file is 0600 whatever the umask; "create" refuses an existing file', async () => {
    const old = process.umask(0);
    try {
      const { fh, created } = await openSinkFile(join(files, 'made', 'out.ndjson'), 'append', roots);
      await fh.close();
      assert.equal(created, true);
    } finally {
      process.umask(old);
    }
    assert.equal((await stat(join(files, 'made', 'out.ndjson'))).mode & 0o777, 0o600);
    await assert.rejects(openSinkFile(join(files, 'ok.csv'), 'create', roots), (e: unknown) => e instanceof ApplicationFailure && e.type === 'SinkExists');
    assert.equal(await readFile(join(files, 'ok.csv'), 'utf8'), 'id\n1\n');
  });
});
