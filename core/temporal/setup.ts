// What Kairos needs of a Temporal namespace before it serves: the namespace itself and Kairos's
// custom search attributes (core/search-attributes.ts). The dev server gets both on its command line;
// on any other Temporal (a self-hosted cluster, Temporal Cloud) the API and the worker make sure of
// them at start: created where Kairos's credentials may, otherwise a stop with a message that names
// what is missing and the command an operator runs to add it.
//
// Idempotent and safe to run from several processes at once: "already exists" from a racing process
// counts as success, and every step re-reads what the server has rather than trusting its own call.
import type { ConnectionLike } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import Long from 'long';
import { SEARCH_ATTRIBUTE_DEFINITIONS } from '../search-attributes.ts';
import { classifyTemporalError } from './errors.ts';
import { enums } from './proto.ts';

const IndexedValueType = enums.IndexedValueType;

/** `auto`: create what is missing where permitted; `check`: only verify (an operator manages the namespace). */
export type TemporalSetupMode = 'auto' | 'check';

export interface TemporalSetupOptions {
  namespace: string;
  mode: TemporalSetupMode;
  /** Retention of closed runs in a namespace Kairos creates (Temporal's default for `operator namespace create`). */
  retentionDays?: number;
  /** How long to wait for a new namespace or attribute to be served by every frontend (their caches refresh). */
  settleTimeoutMs?: number;
}

export interface TemporalSetupReport {
  namespaceCreated: boolean;
  attributesAdded: string[];
}

/** A namespace or search attribute Kairos needs and may not (or, in `check` mode, will not) create. */
export class TemporalSetupError extends Error {
  constructor(
    message: string,
    /** What is missing, one line each. */
    readonly missing: string[],
    /** The commands that add it (Temporal CLI), one per line. */
    readonly commands: string[],
  ) {
    super(`${message}\n  missing: ${missing.join(', ')}\n  an operator can add it with:\n    ${commands.join('\n    ')}`);
    this.name = 'TemporalSetupError';
  }
}

const TYPE_BY_NAME: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  KeywordList: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
  Text: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  Int: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  Double: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  Bool: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  Datetime: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
};

/** The CLI command that creates the namespace. */
export function namespaceCommand(namespace: string, retentionDays: number): string {
  return `temporal operator namespace create --namespace ${namespace} --retention ${retentionDays}d`;
}

/** The CLI command that registers these search attributes. */
export function searchAttributeCommand(namespace: string, defs: readonly (readonly [string, string])[]): string {
  return `temporal operator search-attribute create --namespace ${namespace} ${defs.map(([n, t]) => `--name ${n} --type ${t}`).join(' ')}`;
}

const isFault = (err: unknown, ...kinds: string[]): boolean => {
  const fault = classifyTemporalError(err);
  return fault !== undefined && kinds.includes(fault.kind);
};

/** Polls `probe` until it stops failing with not_found/invalid (a cache not yet refreshed), bounded. */
async function settle(probe: () => Promise<unknown>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await probe();
      return;
    } catch (err) {
      if (!isFault(err, 'not_found', 'invalid', 'misconfigured') || Date.now() > deadline) {
        throw new Error(`Temporal did not start serving ${what} within ${timeoutMs} ms: ${(err as Error).message}`, { cause: err });
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/**
 * Makes sure the namespace and Kairos's search attributes exist (creating them in `auto` mode),
 * then waits until the frontend serves them. Throws TemporalSetupError naming what is missing when
 * it may not create it; other failures (Temporal unreachable) are thrown as they are.
 */
export async function ensureTemporalSetup(conn: ConnectionLike, opts: TemporalSetupOptions): Promise<TemporalSetupReport> {
  const { namespace, mode } = opts;
  const retentionDays = opts.retentionDays ?? 3;
  const settleMs = opts.settleTimeoutMs ?? 60_000;
  const report: TemporalSetupReport = { namespaceCreated: false, attributesAdded: [] };

  const exists = await conn.workflowService.describeNamespace({ namespace }).then(
    () => true,
    (err: unknown) => (isFault(err, 'not_found') ? false : Promise.reject(err)),
  );
  if (!exists) {
    const missing = [`namespace '${namespace}'`];
    const commands = [namespaceCommand(namespace, retentionDays), searchAttributeCommand(namespace, SEARCH_ATTRIBUTE_DEFINITIONS)];
    if (mode === 'check') throw new TemporalSetupError(`Temporal has no namespace '${namespace}' (KAIROS_TEMPORAL_SETUP=check: Kairos does not create it)`, missing, commands);
    try {
      await conn.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: { seconds: Long.fromNumber(retentionDays * 86_400) } });
      report.namespaceCreated = true;
    } catch (err) {
      if (isFault(err, 'permission', 'misconfigured')) {
        throw new TemporalSetupError(`Kairos may not create the namespace '${namespace}' on this Temporal (${(err as Error).message})`, missing, commands);
      }
      if (!isFault(err, 'conflict')) throw err; // another Kairos process created it first
    }
  }
  // A frontend serves a new namespace once its namespace cache refreshes (seconds on a cluster).
  await settle(() => conn.workflowService.listSchedules({ namespace, maximumPageSize: 1 }), settleMs, `the namespace '${namespace}'`);

  const registered = async () => (await conn.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
  let have = await registered().catch((err: unknown) => {
    // Temporal Cloud does not offer the operator service to namespace API keys: what is needed can then only be checked by using it.
    if (isFault(err, 'permission', 'misconfigured')) return undefined;
    throw err;
  });
  const wrongType = (h: Record<string, temporal.api.enums.v1.IndexedValueType>) =>
    SEARCH_ATTRIBUTE_DEFINITIONS.filter(([n, t]) => h[n] !== undefined && h[n] !== TYPE_BY_NAME[t]);
  if (have) {
    const clash = wrongType(have);
    if (clash.length) {
      throw new TemporalSetupError(
        `the namespace '${namespace}' has search attributes with Kairos's names but other types; Kairos cannot use it`,
        clash.map(([n, t]) => `${n} as ${t}`),
        [`use another namespace (TEMPORAL_NAMESPACE), or remove them: temporal operator search-attribute remove --namespace ${namespace} ${clash.map(([n]) => `--name ${n}`).join(' ')}`],
      );
    }
    const missingDefs = SEARCH_ATTRIBUTE_DEFINITIONS.filter(([n]) => have?.[n] === undefined);
    if (missingDefs.length) {
      const missing = missingDefs.map(([n, t]) => `search attribute ${n} (${t})`);
      const commands = [searchAttributeCommand(namespace, missingDefs)];
      if (mode === 'check') throw new TemporalSetupError(`the namespace '${namespace}' lacks Kairos's search attributes (KAIROS_TEMPORAL_SETUP=check)`, missing, commands);
      try {
        await conn.operatorService.addSearchAttributes({
          namespace,
          searchAttributes: Object.fromEntries(missingDefs.map(([n, t]) => [n, TYPE_BY_NAME[t] ?? IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])),
        });
      } catch (err) {
        if (isFault(err, 'permission', 'misconfigured')) {
          throw new TemporalSetupError(`Kairos may not register search attributes on the namespace '${namespace}' (${(err as Error).message})`, missing, commands);
        }
        if (!isFault(err, 'conflict')) throw err; // a racing Kairos process added them
      }
      have = await registered();
      const still = SEARCH_ATTRIBUTE_DEFINITIONS.filter(([n]) => have?.[n] === undefined);
      if (still.length) throw new TemporalSetupError(`Temporal accepted but did not register Kairos's search attributes on '${namespace}'`, still.map(([n]) => n), [searchAttributeCommand(namespace, still)]);
      report.attributesAdded = missingDefs.map(([n]) => n);
    }
  }
  // Whether or not they were listed, a query that names them must work (the frontend's cache of
  // search attributes refreshes too); an unknown attribute is INVALID_ARGUMENT.
  const names = SEARCH_ATTRIBUTE_DEFINITIONS.map(([n]) => `${n} IS NULL`).join(' OR ');
  try {
    await settle(() => conn.workflowService.listSchedules({ namespace, maximumPageSize: 1, query: `KairosJobId IS NOT NULL` }), settleMs, "Kairos's search attributes");
    await settle(() => conn.workflowService.countWorkflowExecutions({ namespace, query: names }), settleMs, "Kairos's search attributes");
  } catch (err) {
    if (have === undefined) {
      throw new TemporalSetupError(
        `the namespace '${namespace}' does not answer queries on Kairos's search attributes (${(err as Error).message})`,
        SEARCH_ATTRIBUTE_DEFINITIONS.map(([n, t]) => `search attribute ${n} (${t})`),
        [searchAttributeCommand(namespace, SEARCH_ATTRIBUTE_DEFINITIONS), 'on Temporal Cloud: tcld namespace search-attributes add, or the Cloud UI'],
      );
    }
    throw err;
  }
  return report;
}

/**
 * For a process's entry point: a TemporalSetupError ends the process with its message alone (exit
 * code 78, EX_CONFIG: an operator's task, not a crash to restart); anything else is rethrown.
 */
export function exitIfSetupError(err: unknown): never {
  if (err instanceof TemporalSetupError) {
    process.stderr.write(`[kairos] Temporal is not set up for Kairos: ${err.message}\n`);
    process.exit(78);
  }
  throw err;
}
