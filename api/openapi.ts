// The OpenAPI 3.1 documents of the API surfaces: the native /v1 API and each dialect, one document
// each. A route module registers its operations next to its routes (registerOperations) and each
// surface describes its document once (registerDocument: title, servers, security, error shape), so
// a route and its documentation live together and a test walks the routers for drift.
//
// Every schema is generated from the zod schema the route validates with (zod 4's JSON Schema output
// is draft 2020-12, which OpenAPI 3.1 uses as is): request bodies as input, responses as output,
// query parameters typed from the route's own query object. A schema named with `.meta({ id })` is a
// shared component (`#/components/schemas/<id>`); where its input and output forms differ (defaults
// make output fields required), the input form is `<id>Input`.
import { z } from 'zod';
import { CSRF_HEADER, SESSION_COOKIE } from '../core/auth/sessions.ts';

/** The documents, by surface: /v1/openapi.json is the native one, /v1/openapi/{name}.json the others. */
export const DOCUMENTS = ['native', 'fusion', 'voltmx', 'dapr', 'informer', 'cluedin'] as const;
export type DocumentName = (typeof DOCUMENTS)[number];

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** The error statuses an operation may document (each a shared response of the document). */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 412 | 413 | 415 | 429 | 500 | 501 | 503;

const ERROR_RESPONSES: Record<ErrorStatus, [name: string, description: string]> = {
  400: ['BadRequest', 'invalid input: the error names each offending field and why'],
  401: ['Unauthorized', 'no valid credentials'],
  403: ['Forbidden', 'authenticated, but not allowed'],
  404: ['NotFound', 'no such resource, or one the caller may not read (the same answer)'],
  409: ['Conflict', 'conflicts with the current state'],
  412: ['PreconditionFailed', 'If-Match names a version that is no longer current'],
  413: ['PayloadTooLarge', 'request body larger than the configured limit'],
  415: ['UnsupportedMediaType', 'request body of a type the endpoint does not read'],
  429: ['TooManyRequests', 'throttled; Retry-After says when to try again'],
  500: ['InternalError', 'server error'],
  501: ['NotImplemented', 'a feature this server does not have (nothing was changed)'],
  503: ['Unavailable', 'a dependency (Temporal, the state store) cannot serve now; Retry-After when known'],
};

/** One documented operation: a route's method and path, what it takes and what it answers. */
export interface Operation {
  /** Stable camelCase, unique within its document (a generated client's method name). */
  operationId: string;
  method: Method;
  /** OpenAPI path template relative to the document's servers, e.g. /v1/jobs/{id}. */
  path: string;
  summary: string;
  tag: string;
  /** Path parameters' types (a parameter not named here is a string). */
  params?: z.ZodObject;
  /** The query object the route validates with (descriptions via `.describe`). */
  query?: z.ZodObject;
  /** Takes `If-Match` with the version last read (412 when it is no longer current). */
  ifMatch?: boolean;
  request?: z.ZodType;
  /** The request body's content types (default application/json). */
  requestTypes?: readonly string[];
  response?: z.ZodType;
  /** The response body's content type (default application/json). */
  responseType?: string;
  /** The success status (default 200). */
  status?: number;
  /** Error statuses besides the document's defaults for the operation. */
  errors?: readonly ErrorStatus[];
  /** An error body other than the document's (Volt MX's login answers in its identity service's shape). */
  errorBody?: z.ZodType;
  admin?: boolean;
  /** Needs no prior authentication (a login). */
  public?: boolean;
}

/** Where a document's API is served, for its `servers`. */
export interface ServerContext {
  /** The request's protocol and host name: a port of the dialect's own is on the same host. */
  protocol: string;
  hostname: string;
  /** The dialect's own port when one is configured (Dapr, Fusion). */
  ownPort?: number;
}

/** A surface's document: everything but its operations. */
export interface DocumentSpec {
  name: DocumentName;
  title: string;
  description: string;
  servers(at: ServerContext): { url: string; description: string }[];
  securitySchemes: Record<string, Record<string, unknown>>;
  /** Alternatives: any one entry suffices. */
  security: Record<string, string[]>[];
  /** The surface's error body, components/schemas/Error. */
  error: z.ZodType;
  /** Its content type (default application/json). */
  errorType?: string;
  /** The errors every operation of the surface may answer with, by what it takes (input, ids, admin). */
  defaultErrors(op: Operation): ErrorStatus[];
}

/** The credentials the main port takes on every surface (api/auth.ts): its documents' security schemes. */
export const KAIROS_SECURITY_SCHEMES: Record<string, Record<string, unknown>> = {
  basic: { type: 'http', scheme: 'basic', description: 'a Kairos user name and password' },
  bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'kairos_… API key', description: 'an API key (POST /v1/api-keys) as Authorization: Bearer kairos_…' },
  apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'an API key in a header of its own' },
  session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: "the dashboard's login session (POST /v1/sessions)" },
  csrf: { type: 'apiKey', in: 'header', name: CSRF_HEADER, description: "with the session cookie: the session's CSRF token, on every request that changes something" },
};

/** Any one of the main port's credentials (the session cookie with its CSRF token). */
export const KAIROS_SECURITY: Record<string, string[]>[] = [{ basic: [] }, { bearer: [] }, { apiKey: [] }, { session: [], csrf: [] }];

/** A server of a dialect's own port on the host the document was asked of (IPv6 in brackets). */
export function ownPortServer(at: ServerContext, description: string): { url: string; description: string }[] {
  if (at.ownPort === undefined) return [];
  const host = at.hostname.includes(':') ? `[${at.hostname}]` : at.hostname;
  return [{ url: `${at.protocol}://${host}:${at.ownPort}`, description }];
}

const operations = new Map<DocumentName, Operation[]>();
const specs = new Map<DocumentName, DocumentSpec>();

/** Adds a surface's operations (called at import time, next to the routes they document). */
export function registerOperations(name: DocumentName, ops: readonly Operation[]): void {
  operations.set(name, [...(operations.get(name) ?? []), ...ops]);
}

/** Describes a surface's document (once per surface). */
export function registerDocument(spec: DocumentSpec): void {
  specs.set(spec.name, spec);
}

/** The operations registered for a surface. */
function operationsOf(name: DocumentName): readonly Operation[] {
  return operations.get(name) ?? [];
}

/**
 * Copies of operations served under a further prefix too (Fusion's /apps/{app}/…, Dapr's
 * /apps/{appId}/…): the path prefixed, the id suffixed, the prefix's parameters typed as given.
 */
export function prefixed(ops: readonly Operation[], prefix: { path: string; idSuffix: string; summary?: string; params?: z.ZodObject }): Operation[] {
  return ops.map((op) => ({
    ...op,
    operationId: `${op.operationId}${prefix.idSuffix}`,
    path: `${prefix.path}${op.path}`,
    summary: prefix.summary ? `${op.summary} (${prefix.summary})` : op.summary,
    ...(prefix.params || op.params ? { params: z.object({ ...prefix.params?.shape, ...op.params?.shape }) } : {}),
  }));
}

type Json = Record<string, unknown>;
type Io = 'input' | 'output';

const REF = '#/components/schemas/';
/** Input-form references until the document knows which components differ between the forms. */
const INPUT_REF = `${REF}input:`;

/**
 * The JSON Schemas of one document. Named zod schemas ($defs of each conversion) are hoisted into
 * components; a form whose input and output JSON agree becomes one component.
 */
class Schemas {
  private readonly defs: Record<Io, Map<string, Json>> = { input: new Map(), output: new Map() };

  of(schema: z.ZodType, io: Io): Json {
    const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
    const { $schema: _dialect, $defs, ...root } = json;
    for (const [id, def] of Object.entries(($defs ?? {}) as Record<string, Json>)) {
      // zod names an unnamed recursive schema __schema0 …: give it an id, or the name would clash.
      if (!/^[A-Za-z]\w*$/.test(id)) throw new Error(`OpenAPI: a recursive schema needs a name (.meta({ id })): ${id}`);
      const body = refsOf(def, io) as Json;
      const known = this.defs[io].get(id);
      if (known && JSON.stringify(known) !== JSON.stringify(body)) throw new Error(`OpenAPI: two different schemas are named ${id}`);
      this.defs[io].set(id, body);
    }
    return refsOf(root, io) as Json;
  }

  /** The components, and the final name of each input-form reference. */
  finish(): { schemas: Record<string, Json>; inputName: (id: string) => string } {
    const { input, output } = this.defs;
    // Start from "every form agrees" and drop each component whose forms differ (directly, or
    // through a component it refers to) until nothing changes.
    const same = new Set([...input.keys()].filter((id) => output.has(id)));
    const inputName = (id: string) => (same.has(id) || !output.has(id) ? id : `${id}Input`);
    const normal = (v: Json) => JSON.parse(JSON.stringify(v).replace(/"#\/components\/schemas\/input:(\w+)"/g, (_m, id: string) => JSON.stringify(REF + inputName(id)))) as Json;
    for (let changed = true; changed; ) {
      changed = false;
      for (const id of same) {
        if (JSON.stringify(normal(input.get(id)!)) !== JSON.stringify(output.get(id))) {
          same.delete(id);
          changed = true;
        }
      }
    }
    const schemas: Record<string, Json> = {};
    for (const [id, body] of output) schemas[id] = body;
    for (const [id, body] of input) {
      const name = inputName(id);
      if (name !== id && (input.has(name) || output.has(name))) throw new Error(`OpenAPI: ${name} is taken; rename the schema ${id}`);
      if (!same.has(id)) schemas[name] = body;
    }
    return { schemas, inputName };
  }
}

/** `#/$defs/X` → the component's reference (input forms marked until the document is complete). */
function refsOf(v: unknown, io: Io): unknown {
  if (Array.isArray(v)) return v.map((x) => refsOf(x, io));
  if (v === null || typeof v !== 'object') return v;
  const out: Json = {};
  for (const [k, x] of Object.entries(v)) {
    out[k] = k === '$ref' && typeof x === 'string' && x.startsWith('#/$defs/') ? `${io === 'input' ? INPUT_REF : REF}${x.slice('#/$defs/'.length)}` : refsOf(x, io);
  }
  return out;
}

const TYPED = ['type', 'enum', 'const', 'anyOf', 'oneOf', 'allOf', '$ref'];

/**
 * The query parameters of a route's query object. A parameter's schema is what the route makes of
 * it (output: `limit` an integer within its bounds, `status` an array of an enum); where that is a
 * transform JSON Schema cannot say (`"true"` → true), it is what the client sends (input).
 */
function queryParameters(query: z.ZodObject, schemas: Schemas): Json[] {
  const input = schemas.of(query, 'input');
  const output = schemas.of(query, 'output');
  const ins = (input.properties ?? {}) as Record<string, Json>;
  const outs = (output.properties ?? {}) as Record<string, Json>;
  const required = new Set((input.required ?? []) as string[]);
  return Object.keys(query.shape).map((name) => {
    const out = outs[name] ?? {};
    const schema: Json = TYPED.some((k) => k in out) ? out : { ...ins[name], ...out };
    // A query string is text: a default of a transformed flag is said as it is sent.
    if (schema.type === 'string' && schema.default !== undefined && typeof schema.default !== 'string') schema.default = String(schema.default);
    const isArray = schema.type === 'array';
    const { description, ...typed } = schema;
    return {
      name,
      in: 'query',
      required: required.has(name) && schema.default === undefined,
      ...(typeof description === 'string' ? { description } : {}),
      schema: typed,
      // Lists are comma-separated (status=failed,cancelled); repeating the parameter works too.
      ...(isArray ? { style: 'form', explode: false } : {}),
    };
  });
}

function pathParameters(op: Operation, schemas: Schemas): Json[] {
  const typed = op.params ? ((schemas.of(op.params, 'output').properties ?? {}) as Record<string, Json>) : {};
  return [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => {
    const name = m[1] ?? '';
    const { description, ...schema } = typed[name] ?? { type: 'string' };
    return { name, in: 'path', required: true, ...(typeof description === 'string' ? { description } : {}), schema };
  });
}

/** The document of a surface, or undefined when no such surface is loaded. */
export function buildDocument(name: DocumentName, at: ServerContext): Json | undefined {
  const spec = specs.get(name);
  if (!spec) return undefined;
  const schemas = new Schemas();
  const paths: Record<string, Record<string, unknown>> = {};
  const usedErrors = new Set<ErrorStatus>();
  const ids = new Set<string>();
  const errorRef = { $ref: `${REF}Error` };
  const errorSchema = schemas.of(spec.error, 'output');
  const errorType = spec.errorType ?? 'application/json';

  for (const op of operationsOf(name)) {
    if (ids.has(op.operationId)) throw new Error(`OpenAPI ${name}: operationId ${op.operationId} is used twice`);
    ids.add(op.operationId);
    if (paths[op.path]?.[op.method]) throw new Error(`OpenAPI ${name}: ${op.method.toUpperCase()} ${op.path} is documented twice`);
    const parameters = [
      ...pathParameters(op, schemas),
      ...(op.query ? queryParameters(op.query, schemas) : []),
      ...(op.ifMatch ? [{ name: 'If-Match', in: 'header', required: false, description: 'the version last read ("3"): refused with 412 when it is no longer current', schema: { type: 'string' } }] : []),
    ];
    const errors = [...new Set([...spec.defaultErrors(op), ...(op.errors ?? [])])].sort((a, b) => a - b);
    const responses: Json = {
      [String(op.status ?? 200)]: {
        description: op.admin ? 'OK (admins only)' : 'OK',
        ...(op.response ? { content: { [op.responseType ?? 'application/json']: { schema: schemas.of(op.response, 'output') } } } : {}),
      },
    };
    const ownError = op.errorBody ? schemas.of(op.errorBody, 'output') : undefined;
    for (const status of errors) {
      const [responseName, description] = ERROR_RESPONSES[status];
      if (ownError) responses[String(status)] = { description, content: { 'application/json': { schema: ownError } } };
      else {
        usedErrors.add(status);
        responses[String(status)] = { $ref: `#/components/responses/${responseName}` };
      }
    }
    paths[op.path] ??= {};
    paths[op.path]![op.method] = {
      operationId: op.operationId,
      summary: op.summary,
      tags: [op.tag],
      ...(op.public ? { security: [] } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(op.request
        ? { requestBody: { required: true, content: Object.fromEntries((op.requestTypes ?? ['application/json']).map((t) => [t, { schema: schemas.of(op.request!, 'input') }])) } }
        : {}),
      responses,
    };
  }

  const { schemas: components, inputName } = schemas.finish();
  const responses = Object.fromEntries(
    [...usedErrors].sort((a, b) => a - b).map((s) => {
      const [responseName, description] = ERROR_RESPONSES[s];
      return [responseName, { description, content: { [errorType]: { schema: errorRef } } }];
    }),
  );
  const doc: Json = {
    openapi: '3.1.0',
    info: { title: spec.title, version: '1', description: spec.description },
    servers: spec.servers(at),
    security: spec.security,
    tags: [...new Set(operationsOf(name).map((o) => o.tag))].map((t) => ({ name: t })),
    paths,
    components: {
      securitySchemes: spec.securitySchemes,
      schemas: { Error: errorSchema, ...components },
      responses,
    },
  };
  // The input forms' final names, now that the document knows which differ from their output.
  return JSON.parse(JSON.stringify(doc).replace(/"#\/components\/schemas\/input:(\w+)"/g, (_m, id: string) => JSON.stringify(REF + inputName(id)))) as Json;
}
