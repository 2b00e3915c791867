// The robfig/cron v3 oracle (Dapr's cron): test/oracles/robfig/main.go built with the machine's Go
// toolchain (module github.com/robfig/cron/v3 from the Go module proxy) into the cache dir once,
// then every case of a test run goes through ONE process over stdin/stdout (JSON lines).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { cacheDir, exists, hasCommand, ORACLE_DIR, sourceHash, type Oracle } from './toolchain.ts';

export interface RobfigRequest {
  expr: string;
  tz: string;
  from: number;
  n: number;
}
export type RobfigAnswer = { ok: true; times: number[] } | { ok: false; error: string };

export function robfigOracle(): Oracle<RobfigRequest, RobfigAnswer> {
  if (!hasCommand('go', ['version'])) return { available: false, reason: 'go toolchain not found on PATH' };
  const dir = join(ORACLE_DIR, 'robfig');
  const bin = join(cacheDir(), `robfig-${sourceHash(join(dir, 'main.go'), join(dir, 'go.mod'), join(dir, 'go.sum'))}`);
  if (!exists(bin)) {
    const r = spawnSync('go', ['build', '-o', bin, '.'], { cwd: dir, encoding: 'utf8', env: { ...process.env, CGO_ENABLED: '0' } });
    if (r.status !== 0) throw new Error(`go build of the robfig oracle failed: ${r.stderr}`);
  }
  return {
    available: true,
    run(reqs) {
      const input = reqs.map((q) => JSON.stringify(q)).join('\n') + '\n';
      const r = spawnSync(bin, [], { input, encoding: 'utf8', maxBuffer: 256 << 20 });
      if (r.status !== 0) throw new Error(`robfig oracle failed: ${r.stderr}`);
      const lines = r.stdout.split('\n').filter((l) => l.length > 0);
      if (lines.length !== reqs.length) throw new Error(`robfig oracle answered ${lines.length} of ${reqs.length} requests`);
      return lines.map((l) => {
        const a = JSON.parse(l) as { times?: number[]; error?: string };
        return a.error !== undefined ? { ok: false, error: a.error } : { ok: true, times: a.times ?? [] };
      });
    },
  };
}
