// The `datasource` driver: reads a source as a stream, maps each record, writes batches to a sink.
//
// Durability: after each batch is in the sink, the checkpoint (source position, sink position,
// counters, bad-record samples) becomes the progress the activity heartbeats. A retried attempt — the
// worker crashed, the attempt timed out — starts from `heartbeatDetails`: the source reopens at the
// checkpointed position and the sink drops or overwrites whatever came after it (upsert on key,
// truncation to the checkpointed length, batch ids the receiver de-duplicates). So the sink ends with
// exactly the source's records, whatever happened in between.
//
// Stop: the cancellation arrives with a heartbeat; the current batch is finished (what was read is
// written), the checkpoint says where it stopped, and the attempt ends cancelled with that progress
// as its details.
import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import type { DriverImpl, DriverRuntime } from '../driver.ts';
import { addSample, asRunProgress, checkpointFromHeartbeat, freshCheckpoint, progressOf, type BadSample, type Checkpoint } from './checkpoint.ts';
import { final } from './failures.ts';
import { BadRecord, mapper, type Row } from './mapping.ts';
import { DatasourceDataSchema, type DatasourceData } from '../../core/drivers/datasource.ts';
import { openSink } from './sinks/index.ts';
import { openSource, type SourceItem } from './sources/index.ts';


export interface DatasourceOutput {
  read: number;
  written: number;
  failed: number;
  total: number | null;
  badRecords: BadSample[];
  /** Attempts that resumed from a checkpoint instead of starting over. */
  resumes: number;
}

/** Where a run resumes: the previous attempt's last heartbeat, if it carried a checkpoint. */
function startingPoint(): Checkpoint {
  let details: unknown;
  try {
    details = Context.current().info.heartbeatDetails;
  } catch {
    details = undefined; // not inside an activity (unit tests call runDatasource directly)
  }
  const cp = checkpointFromHeartbeat(details);
  return cp ? { ...cp, resumes: cp.resumes + 1 } : freshCheckpoint();
}

export async function runDatasource(data: DatasourceData, rt: Pick<DriverRuntime, 'signal' | 'progress' | 'workflowId' | 'metrics'>, start = startingPoint()): Promise<DatasourceOutput> {
  const cp = start;
  const map = mapper(data.mapping, data.key);
  const source = await openSource(data.source, cp.source, data.batchSize, rt.signal);
  const total = source.total;
  const report = (state: 'running' | 'stopped' | 'done') => {
    const p = progressOf(cp, total, state);
    rt.progress(asRunProgress(p));
    return p;
  };
  try {
    const sink = await openSink(data, cp.sink);
    // Where the sink starts (an appended-to file's length) is in the checkpoint before anything is
    // written, so a retry cuts the file back there rather than to zero.
    cp.sink = { ...cp.sink, ...sink.position() };
    report('running');
    try {
      const it = source.items()[Symbol.asyncIterator]();
      for (;;) {
        const batch: SourceItem[] = [];
        let ended = false;
        let stopped = false;
        try {
          while (batch.length < data.batchSize) {
            const r = await it.next();
            if (r.done) {
              ended = true;
              break;
            }
            batch.push(r.value);
          }
        } catch (err) {
          if (!rt.signal.aborted) throw err;
          stopped = true; // the read was cut by the stop: what was read still gets written
        }
        if (batch.length) await commit(batch);
        if (ended) break;
        if (stopped || rt.signal.aborted) {
          const p = report('stopped');
          throw new CancelledFailure(`stopped: ${p.message}`, [asRunProgress(p)]);
        }
      }
    } finally {
      await sink.close();
    }

    async function commit(items: SourceItem[]): Promise<void> {
      const firstRecord = cp.source.records;
      const rows: Row[] = [];
      const bad: BadSample[] = [];
      items.forEach((item, i) => {
        const ordinal = firstRecord + i + 1;
        if (!item.record) {
          bad.push({ record: ordinal, line: item.line, error: item.error ?? 'unreadable', raw: item.raw });
          return;
        }
        try {
          rows.push(map(item.record));
        } catch (err) {
          if (!(err instanceof BadRecord)) throw err;
          bad.push({ record: ordinal, line: item.line, error: err.message, raw: rawOf(item.record) });
        }
      });
      const failed = cp.failed + bad.length;
      if (failed > data.maxBadRecords) {
        for (const b of bad) addSample(cp, b);
        const first = cp.badRecords
          .slice(0, 3)
          .map((b) => `${b.line !== undefined ? `line ${b.line}` : `record ${b.record}`}: ${b.error}`)
          .join('; ');
        throw final(`too many bad records: ${failed} > maxBadRecords ${data.maxBadRecords} (${cp.written} written before); first: ${first}`, 'TooManyBadRecords');
      }
      await sink.write({ id: `${rt.workflowId}:${firstRecord}`, rows });
      // The batch is in the sink: only now does the checkpoint move past it.
      cp.source = source.position();
      cp.sink = { ...sink.position(), batches: cp.sink.batches + 1 };
      cp.read += items.length;
      cp.written += rows.length;
      cp.failed = failed;
      for (const b of bad) addSample(cp, b);
      rt.metrics?.datasourceRecords('read', items.length);
      rt.metrics?.datasourceRecords('written', rows.length);
      rt.metrics?.datasourceRecords('bad', bad.length);
      report('running');
    }
  } finally {
    await source.close();
  }
  report('done');
  return { read: cp.read, written: cp.written, failed: cp.failed, total, badRecords: cp.badRecords, resumes: cp.resumes };
}

const rawOf = (rec: Row): string | undefined => {
  try {
    return JSON.stringify(rec);
  } catch {
    return undefined;
  }
};

export const datasourceDriver: DriverImpl<typeof DatasourceDataSchema> = {
  type: 'datasource',
  schema: DatasourceDataSchema,
  run: (data, rt) => runDatasource(data, rt),
};
