// The CLI's pure parts: each command's operation is one the OpenAPI document declares (so the CLI is
// thin over the documented API and a renamed route fails here), tables, path templates, profiles' place,
// and usage mistakes (exit 2, nothing called).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { COMMAND_OPERATIONS, configPath, fillPath, runCli, table } from '../../../scripts/cli.ts';
import { openApiDocument } from '../../../api/native/openapi.ts';
// The operations other modules register (runs, users …) are in the document once they are loaded.
import '../../../api/native/index.ts';

describe('kairos CLI', () => {
  it('calls only operations the OpenAPI document declares', () => {
    const paths = (openApiDocument() as { paths: Record<string, Record<string, unknown>> }).paths;
    for (const [command, op] of Object.entries(COMMAND_OPERATIONS)) {
      assert.ok(paths[op.path]?.[op.method], `${command}: ${op.method.toUpperCase()} ${op.path} is in the document`);
    }
  });

  it('fills path templates with encoded values and names what is missing', () => {
    assert.equal(fillPath('/v1/jobs/{id}/run', { id: 'a b/c' }), '/v1/jobs/a%20b%2Fc/run');
    assert.throws(() => fillPath('/v1/runs/{runId}', {}), /missing runId/u);
  });

  it('prints aligned tables, "-" for nothing, lists joined', () => {
    assert.equal(table([{ id: 'a', tags: ['x', 'y'], next: null }, { id: 'long-id', tags: [], next: '2026' }], ['id', 'tags', 'next']), ['ID       TAGS  NEXT', 'a        x,y   -', 'long-id  -     2026'].join('\n'));
  });

  it('keeps profiles under KAIROS_CLI_CONFIG, else the XDG config dir', () => {
    assert.equal(configPath({ KAIROS_CLI_CONFIG: '/tmp/k.json' }), '/tmp/k.json');
    assert.equal(configPath({ XDG_CONFIG_HOME: '/cfg' }), '/cfg/kairos/cli.json');
  });

  it('usage mistakes exit 2 with the usage, and call nothing', async () => {
    const lines: string[] = [];
    const io = { env: { KAIROS_CLI_CONFIG: '/nonexistent/cli.json' }, stdin: process.stdin, out: (s: string) => lines.push(s) };
    assert.equal(await runCli([], io), 2);
    assert.equal(await runCli(['jobs', 'fly'], io), 2);
    assert.match(lines.at(-1) ?? '', /unknown command "jobs fly"/u);
    assert.equal(await runCli(['jobs', 'ls', '-o', 'xml'], io), 2);
    assert.equal(await runCli(['login', '--url', 'http://127.0.0.1:9'], io), 2);
    assert.match(lines.at(-1) ?? '', /--url and --user are required/u);
    assert.equal(await runCli(['jobs', 'ls'], io), 1);
    assert.match(lines.at(-1) ?? '', /not logged in \(profile "default"\)/u);
    assert.equal(await runCli(['--help'], io), 0);
  });
});
