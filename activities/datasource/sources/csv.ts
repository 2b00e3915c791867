// CSV from a byte stream with csv-parse: header row or given columns, delimiter, quoting. Records
// come with the byte offset after them, so a retry reopens the bytes right there (with the header's
// columns from the checkpoint). Rows csv-parse rejects (wrong column count, bad quoting) are bad
// records with their line numbers; the parser carries on after them.
import type { Readable } from 'node:stream';
import { parse, type CsvError, type Info } from 'csv-parse';
import type { SourcePosition } from '../checkpoint.ts';
import { final } from '../failures.ts';
import type { Row } from '../mapping.ts';
import type { CsvSpec } from '../schema.ts';
import type { SourceItem } from './types.ts';

interface Parsed {
  record: Row;
  info: Info;
}

export function csvItems(bytes: Readable, spec: CsvSpec, from: SourcePosition, pos: { current: SourcePosition }): AsyncIterable<SourceItem> {
  const resumed = (from.offset ?? 0) > 0;
  const columns = resumed ? (from.columns ?? spec.columns) : spec.header ? true : spec.columns;
  if (!columns) throw final('CSV resume: the checkpoint lost the header columns', 'SourceFormat');
  const parser = parse({
    columns,
    bom: !resumed,
    delimiter: spec.delimiter,
    quote: spec.quote,
    escape: spec.escape ?? spec.quote,
    relax_quotes: spec.relaxQuotes,
    trim: spec.trim,
    skip_empty_lines: true,
    skip_records_with_error: true,
    info: true,
    raw: true,
  });
  const skipped: CsvError[] = [];
  parser.on('skip', (err: CsvError) => skipped.push(err));
  bytes.on('error', (err) => parser.destroy(err));
  bytes.pipe(parser);

  const baseOffset = from.offset ?? 0;
  const baseLine = from.line ?? 0;
  let names = Array.isArray(columns) ? columns : undefined;
  let records = from.records;
  let offset = baseOffset;
  let line = baseLine;

  const badItem = (err: CsvError): SourceItem => {
    records += 1;
    offset = Math.max(offset, baseOffset + (err.bytes ?? 0));
    line = Math.max(line, baseLine + (err.lines ?? 0));
    pos.current = { records, offset, line, columns: names };
    const raw = (err as CsvError & { raw?: string }).raw;
    return { error: err.message.replace(/ on line \d+$/, ''), raw, line: baseLine + (err.lines ?? 0) };
  };

  return {
    async *[Symbol.asyncIterator]() {
      try {
        for await (const p of parser as AsyncIterable<Parsed>) {
          names ??= p.info.columns ? (p.info.columns as { name: string }[]).map((c) => c.name) : undefined;
          const end = baseOffset + p.info.bytes;
          // Skips are events, records are stream items: hand them out in source order.
          while (skipped.length && baseOffset + (skipped[0]?.bytes ?? 0) <= end) yield badItem(skipped.shift() as CsvError);
          records += 1;
          offset = end;
          line = baseLine + p.info.lines;
          pos.current = { records, offset, line, columns: names };
          yield { record: p.record, line };
        }
        while (skipped.length) yield badItem(skipped.shift() as CsvError);
      } catch (err) {
        const e = err as CsvError & { code?: string };
        if (typeof e?.code === 'string' && e.code.startsWith('CSV_')) {
          throw final(`CSV parse error at line ${baseLine + (e.lines ?? 0)}: ${e.message}`, 'SourceFormat');
        }
        throw err;
      }
    },
  };
}
