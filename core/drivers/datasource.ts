// The `datasource` job's data: a source (file, HTTP or PostgreSQL), an optional mapping, a sink
// (PostgreSQL table, NDJSON file or HTTP batch endpoint), the batch size and the bad-record limit.
// Two schemas: the run-time one (secrets already resolved) and the save-time one, which also insists
// that credentials arrive as `{"$secret": "NAME"}` references and never inline.
import { z } from 'zod';
import { isSecretRef } from '../secrets/refs.ts';
import { cappedString, LIMITS } from '../limits.ts';
import { savedDataSchema } from './saved-data.ts';
import { fileRoots, pathProblem, pathSyntaxProblem, SINK_MODES } from './file-paths.ts';

/** An SQL identifier we quote ourselves: letters, digits and _, not a digit first, 1-63 characters. */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const Identifier = z.string().regex(IDENTIFIER, 'must be an SQL identifier: letters, digits and _ (not a digit first), at most 63 characters');
const TableName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$/, 'must be "table" or "schema.table" (letters, digits and _)');

const HttpUrl = cappedString(LIMITS.url).pipe(z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }));
const Headers = z.record(cappedString(LIMITS.headerName).min(1), cappedString(LIMITS.headerValue)).default({});
/** Credentials never stand in job data: the worker resolves `{"$secret": "NAME"}` at run time. */
const Connection = z.string().min(1).describe('a PostgreSQL connection URL; must be given as {"$secret": "NAME"}');

/** A file on the worker; where it may be is checked at save (pathProblem) and again at run time. */
const FilePath = cappedString(LIMITS.path).superRefine((p, ctx) => {
    const problem = pathSyntaxProblem(p);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export const FORMATS = ['csv', 'ndjson', 'json'] as const;

const CsvOptions = {
  delimiter: z.string().min(1).max(4).default(','),
  quote: z.string().length(1).default('"'),
  escape: z.string().length(1).optional().describe('default: the quote character'),
  header: z.boolean().default(true).describe('the first line names the columns'),
  columns: z.array(cappedString(LIMITS.field).min(1)).min(1).max(10_000).optional().describe('column names when there is no header row'),
  relaxQuotes: z.boolean().default(false).describe('quotes inside unquoted fields are kept as text'),
  trim: z.boolean().default(false),
};

const FileSource = z
  .object({
    kind: z.literal('file'),
    path: FilePath,
    format: z.enum(FORMATS),
    ...CsvOptions,
  })
  .strict();

const HttpSource = z
  .object({
    kind: z.literal('http'),
    url: HttpUrl,
    format: z.enum(FORMATS),
    headers: Headers,
    timeoutMs: z.number().int().min(100).max(3_600_000).default(30_000).describe('to the response headers'),
    ...CsvOptions,
  })
  .strict();

const PostgresSource = z
  .object({
    kind: z.literal('postgres'),
    connection: Connection,
    query: z
      .string()
      .trim()
      .min(1)
      .max(100_000)
      .describe('one SELECT statement; it is wrapped for keyset pagination on keyColumn and runs in a read-only transaction'),
    keyColumn: Identifier.describe('a unique, ordered column of the query: pages are "keyColumn > last key"'),
    countTotal: z.boolean().default(true).describe('count the rows first, so progress has a total'),
  })
  .strict();

export const SourceSchema = z.discriminatedUnion('kind', [FileSource, HttpSource, PostgresSource]);

const PostgresSink = z
  .object({
    kind: z.literal('postgres'),
    connection: Connection,
    table: TableName,
    create: z.boolean().default(false).describe('create the table (from the mapping) when it does not exist'),
  })
  .strict();

const NdjsonSink = z
  .object({
    kind: z.literal('ndjson'),
    path: FilePath,
    mode: z
      .enum(SINK_MODES)
      .default('append')
      .describe('at a fresh run\'s start: append to the file, replace (truncate) it, or create it (refused when it exists)'),
  })
  .strict();

const HttpSink = z
  .object({
    kind: z.literal('http'),
    url: HttpUrl,
    format: z.enum(['json', 'ndjson']).default('json'),
    method: z.enum(['POST', 'PUT']).default('POST'),
    headers: Headers,
    timeoutMs: z.number().int().min(100).max(3_600_000).default(30_000).describe('per batch request'),
  })
  .strict();

export const SinkSchema = z.discriminatedUnion('kind', [PostgresSink, NdjsonSink, HttpSink]);

export const FIELD_TYPES = ['string', 'integer', 'number', 'boolean', 'date', 'timestamp', 'json'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export const FieldSchema = z
  .object({
    from: cappedString(LIMITS.field).min(1).optional().describe('source field (a.b.c reaches into objects); default: the target name'),
    type: z.enum(FIELD_TYPES).default('string'),
    required: z.boolean().default(false).describe('a missing or empty value makes the record bad'),
  })
  .strict();
export type Field = z.output<typeof FieldSchema>;

export const DatasourceDataSchema = z
  .object({
    source: SourceSchema,
    key: cappedString(LIMITS.field).min(1).optional().describe('the field that identifies a record (after mapping); required for a postgres sink'),
    mapping: z
      .record(Identifier, FieldSchema)
      .optional()
      .describe('target field → {from, type}; only mapped fields are kept. Without it records pass through as read'),
    sink: SinkSchema,
    batchSize: z.number().int().min(1).max(50_000).default(1000),
    maxBadRecords: z.number().int().min(0).default(100).describe('more bad records than this fails the run'),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (d.source.kind !== 'postgres' && d.source.format === 'csv' && !d.source.header && !d.source.columns) {
      ctx.addIssue({ code: 'custom', path: ['source', 'columns'], message: 'required when header is false' });
    }
    if (d.sink.kind === 'postgres' && !d.key) ctx.addIssue({ code: 'custom', path: ['key'], message: 'required for a postgres sink (the upsert key)' });
    if (d.sink.kind === 'postgres' && d.key && !IDENTIFIER.test(d.key)) {
      ctx.addIssue({ code: 'custom', path: ['key'], message: 'must be an SQL identifier for a postgres sink' });
    }
    if (d.sink.kind === 'postgres' && d.sink.create && !d.mapping) {
      ctx.addIssue({ code: 'custom', path: ['sink', 'create'], message: 'needs a mapping: the column types come from it' });
    }
    if (d.mapping && d.key && !Object.hasOwn(d.mapping, d.key)) ctx.addIssue({ code: 'custom', path: ['key'], message: 'must be one of the mapped fields' });
  });

export type DatasourceData = z.output<typeof DatasourceDataSchema>;
export type SourceSpec = DatasourceData['source'];
export type SinkSpec = DatasourceData['sink'];
export type CsvSpec = Extract<SourceSpec, { format: string }>;

const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'x-api-key', 'cookie']);

/** Save time: where a credential goes, a `{"$secret": …}` reference must stand. */
function checkCredentials(value: unknown, ctx: z.RefinementCtx): void {
  const data = value as { source?: Record<string, unknown>; sink?: Record<string, unknown> } | null;
  if (typeof data !== 'object' || data === null) return;
  for (const side of ['source', 'sink'] as const) {
    const part = data[side];
    if (typeof part !== 'object' || part === null) continue;
    if (part.kind === 'postgres' && part.connection !== undefined && !isSecretRef(part.connection)) {
      ctx.addIssue({ code: 'custom', path: [side, 'connection'], message: 'must be a secret reference {"$secret": "NAME"}: credentials never go in job data' });
    }
    // Parsed, not matched: the regex this replaced backtracked quadratically on a long URL of colons.
    if (typeof part.url === 'string' && URL.canParse(part.url) && new URL(part.url).password !== '') {
      ctx.addIssue({ code: 'custom', path: [side, 'url'], message: 'must not hold a password: put credentials in a secret' });
    }
    const headers = part.headers;
    if (typeof headers === 'object' && headers !== null) {
      for (const [name, v] of Object.entries(headers)) {
        if (CREDENTIAL_HEADERS.has(name.toLowerCase()) && !isSecretRef(v)) {
          ctx.addIssue({ code: 'custom', path: [side, 'headers', name], message: 'must be a secret reference {"$secret": "NAME"}' });
        }
      }
    }
  }
}

/** Save time: a file path lies under a directory the operator configured (the syntax is the data schema's). */
function checkPaths(value: unknown, ctx: z.RefinementCtx): void {
  const data = value as { source?: Record<string, unknown>; sink?: Record<string, unknown> } | null;
  if (typeof data !== 'object' || data === null) return;
  for (const [side, kind] of [['source', 'file'], ['sink', 'ndjson']] as const) {
    const part = data[side];
    if (typeof part !== 'object' || part === null || part.kind !== kind || typeof part.path !== 'string') continue;
    if (pathSyntaxProblem(part.path)) continue; // already reported by the data schema
    const problem = pathProblem(part.path, fileRoots().dirs);
    if (problem) ctx.addIssue({ code: 'custom', path: [side, 'path'], message: problem });
  }
}

/** The schema the job service checks at save time. */
export const DatasourceSavedSchema: z.ZodType = savedDataSchema(DatasourceDataSchema).superRefine((value, ctx) => {
  checkCredentials(value, ctx);
  checkPaths(value, ctx);
});
