// CSV from a byte stream with csv-parse: header row or given columns, delimiter, quoting. Records
// come with the byte offset after them, so a retry reopens the bytes right there (with the header's
// columns from the checkpoint). Rows csv-parse rejects (wrong column count, bad quoting) are bad
// records with their line numbers; the parser carries on after them.
import type { Readable } from 'node:stream';
import { CsvError, parse, type Info } from 'csv-parse';
import type { SourcePosition } from '../checkpoint.ts';
import { final } from '../failures.ts';
import type { Row } from '../mapping.ts';
import type { CsvSpec } from '../../../core/drivers/datasource.ts';
import type { SourceItem } from './types.ts';

interface Parsed {
  record: Row;
  info: Info & { columns?: { name: string }[] };
}

/** The parser's counters at the rejected record (CsvError carries them untyped). */
const at = (err: CsvError, field: 'bytes' | 'lines'): number => (typeof err[field] === 'number' ? (err[field] as number) : 0);

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
    // Fixed rather than detected: detection looks at the first line break it meets, which after a
    // resume is a different one, and a file with mixed endings would then parse differently.
    record_delimiter: ['\r\n', '\n'],
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
    offset = Math.max(offset, baseOffset + at(err, 'bytes'));
    line = Math.max(line, baseLine + at(err, 'lines'));
    pos.current = { records, offset, line, columns: names };
    const raw = typeof err.raw === 'string' ? err.raw : undefined;
    return { error: err.message.replace(/ on line \d+$/, ''), raw, line: baseLine + at(err, 'lines') };
  };

  return {
    async *[Symbol.asyncIterator]() {
      try {
        for await (const p of parser as AsyncIterable<Parsed>) {
          names ??= p.info.columns?.map((c) => c.name);
          const end = baseOffset + p.info.bytes;
          // Skips are events, records are stream items: hand them out in source order.
          while (skipped.length && skipped[0] && baseOffset + at(skipped[0], 'bytes') <= end) yield badItem(skipped.shift() as CsvError);
          records += 1;
          offset = end;
          line = baseLine + p.info.lines;
          pos.current = { records, offset, line, columns: names };
          yield { record: p.record, line };
        }
        while (skipped.length) yield badItem(skipped.shift() as CsvError);
      } catch (err) {
        if (err instanceof CsvError) throw final(`CSV parse error at line ${baseLine + at(err, 'lines')}: ${err.message}`, 'SourceFormat');
        throw err;
      }
    },
  };
}
