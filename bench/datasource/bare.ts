// The bare pipeline: the datasource driver's own loop (same CSV parser, mapping, PostgreSQL upsert
// and batch size), called directly in a plain Node process with no Temporal at all. Prints one JSON
// line: rows, elapsed ms, and this process's resident memory before and at peak.
import { readFileSync } from 'node:fs';
import { runDatasource } from '../../activities/datasource/index.ts';
import { DatasourceDataSchema } from '../../core/drivers/datasource.ts';
import { freshCheckpoint } from '../../activities/datasource/checkpoint.ts';

const rssKb = (field: 'VmRSS' | 'VmHWM') => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0);

const data = DatasourceDataSchema.parse(JSON.parse(process.argv[2] ?? '{}'));
const startRss = rssKb('VmRSS');
const started = performance.now();
const out = await runDatasource(data, { signal: new AbortController().signal, progress: () => {}, workflowId: 'bare' }, freshCheckpoint());
const ms = performance.now() - started;
console.log(JSON.stringify({ rows: out.written, ms, startRssMb: startRss / 1024, peakRssMb: rssKb('VmHWM') / 1024 }));
