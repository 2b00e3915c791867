// The Quartz oracle: test/oracles/QuartzOracle.java run against Debian's libquartz2-java
// (apt-get install -y libquartz2-java; a JDK with javac must be on PATH). Compiled once into the
// cache dir, then every case of a test run goes through ONE JVM over stdin/stdout.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { cacheDir, exists, hasCommand, ORACLE_DIR, sourceHash, type Oracle } from './toolchain.ts';

export interface QuartzRequest {
  expression: string;
  tz: string;
  from: number;
  n: number;
}
export type QuartzAnswer = { ok: true; times: number[] } | { ok: false; error: string };

const JAR_CANDIDATES = ['/usr/share/java/quartz2.jar', '/usr/share/java/quartz.jar'];

/**
 * `cronExpressionSource`: a CronExpression.java of another Quartz version (e.g. current upstream),
 * compiled over Debian's jar so that it takes the jar's class's place.
 */
export function quartzOracle(opts: { cronExpressionSource?: string } = {}): Oracle<QuartzRequest, QuartzAnswer> {
  const jar = process.env.KAIROS_QUARTZ_JAR ?? JAR_CANDIDATES.find(exists);
  if (!jar) return { available: false, reason: 'Quartz jar not found: apt-get install -y libquartz2-java (or set KAIROS_QUARTZ_JAR)' };
  if (!hasCommand('javac', ['-version']) || !hasCommand('java', ['-version'])) {
    return { available: false, reason: 'java/javac not found: apt-get install -y default-jdk-headless' };
  }
  const src = join(ORACLE_DIR, 'QuartzOracle.java');
  const out = join(cacheDir(), `quartz-${sourceHash(src)}`);
  if (!exists(join(out, 'QuartzOracle.class'))) {
    const r = spawnSync('javac', ['-d', out, '-cp', jar, src], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`javac failed: ${r.stderr}`);
  }
  let classpath = `${out}:${jar}`;
  if (opts.cronExpressionSource) {
    if (!exists(opts.cronExpressionSource)) return { available: false, reason: `${opts.cronExpressionSource} not found` };
    const over = join(cacheDir(), `quartz-source-${sourceHash(opts.cronExpressionSource)}`);
    if (!exists(join(over, 'org', 'quartz', 'CronExpression.class'))) {
      const r = spawnSync('javac', ['-nowarn', '-d', over, '-cp', jar, opts.cronExpressionSource], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`javac of ${opts.cronExpressionSource} failed: ${r.stderr}`);
    }
    classpath = `${over}:${classpath}`;
  }
  return {
    available: true,
    run(reqs) {
      const input = reqs.map((q) => `${q.expression}\t${q.tz}\t${q.from}\t${q.n}`).join('\n') + '\n';
      const r = spawnSync('java', ['-cp', classpath, 'QuartzOracle'], { input, encoding: 'utf8', maxBuffer: 256 << 20 });
      if (r.status !== 0) throw new Error(`Quartz oracle failed: ${r.stderr}`);
      const lines = r.stdout.split('\n').filter((l) => l.length > 0);
      if (lines.length !== reqs.length) throw new Error(`Quartz oracle answered ${lines.length} of ${reqs.length} requests`);
      return lines.map((l) => {
        const [head, ...rest] = l.split('\t');
        return head === 'OK' ? { ok: true, times: rest.map(Number) } : { ok: false, error: rest.join(' ') };
      });
    },
  };
}
