// CluedIn identity: GUIDs, mapped onto canonical Kairos ids so that every direct address is a
// describe, never a visibility lookup that may miss a fresh write.
// - A recurring job is identified by its configuration (one per configuration and job type): its
//   Kairos job is `cluedin.<type>.<configurationId>`. Its Hangfire id,
//   `<ConfigurationId>|<OrganizationId>|<GUID>`, names the configuration in its first part.
// - A run row's `Id` is that configuration id; its `JobRunId` is a GUID (RFC 9562 version 8) that
//   packs the parts of the run's workflow id (core/runs/run-ids.ts) with a check of the job id, so
//   `Id` + `JobRunId` rebuild the workflow id exactly.
import { createHash } from 'node:crypto';
import { formatRunId, parseRunId, RUN_KINDS, type RunIdParts } from '../../../core/runs/run-ids.ts';

export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The recurring job types this dialect serves (`api/v1/hangfire/jobs/{type}`); the index is encoded in JobRunIds. */
export const CLUEDIN_TYPES = ['crawling'] as const;
export type CluedInType = (typeof CLUEDIN_TYPES)[number];

export const CLUEDIN_DIALECT = 'cluedin';
const PREFIX = 'cluedin.';

/** A GUID in its canonical lower-case form (accepts braces, as .NET's Guid.Parse does), or undefined. */
export function normalizeGuid(text: string): string | undefined {
  const t = text.trim().replace(/^\{(.*)\}$/, '$1');
  return GUID.test(t) ? t.toLowerCase() : undefined;
}

export function jobIdFor(type: CluedInType, configurationId: string): string {
  return `${PREFIX}${type}.${configurationId.toLowerCase()}`;
}

/** The type and configuration of a CluedIn job id, or undefined for any other id. */
export function parseJobId(id: string): { type: CluedInType; configurationId: string } | undefined {
  for (const type of CLUEDIN_TYPES) {
    const head = `${PREFIX}${type}.`;
    if (!id.startsWith(head)) continue;
    const cfg = id.slice(head.length);
    return GUID.test(cfg) && cfg === cfg.toLowerCase() ? { type, configurationId: cfg } : undefined;
  }
  return undefined;
}

export interface RecurringId {
  configurationId: string;
  organizationId: string;
  third: string;
}

/** `<ConfigurationId>|<OrganizationId>|<GUID>`, each a GUID; undefined otherwise. */
export function parseRecurringId(text: string): RecurringId | undefined {
  const parts = text.split('|');
  if (parts.length !== 3) return undefined;
  const [c, o, t] = parts.map((p) => normalizeGuid(p));
  return c && o && t ? { configurationId: c, organizationId: o, third: t } : undefined;
}

export const formatRecurringId = (r: RecurringId) => `${r.configurationId}|${r.organizationId}|${r.third}`;

// ---- JobRunId: 122 bits of payload in a version-8 GUID --------------------------------------
// atMs (44) | kind (2) | type (4) | suffix (32) | check (40)

const CHECK_BITS = 40n;
const SUFFIX_BITS = 32n;
const TYPE_BITS = 4n;
const KIND_BITS = 2n;
const AT_BITS = 44n;

const mask = (bits: bigint) => (1n << bits) - 1n;

/** The first 40 bits of SHA-256 of the job id: a JobRunId names a run of this job only. */
function checkOf(jobId: string): bigint {
  return BigInt(`0x${createHash('sha256').update(jobId).digest('hex').slice(0, 10)}`);
}

/** The JobRunId of a run (workflow id) of a CluedIn job; undefined if either id is not one Kairos makes. */
export function jobRunIdOf(jobId: string, runId: string): string | undefined {
  const job = parseJobId(jobId);
  const parts = parseRunId(jobId, runId);
  if (!job || !parts) return undefined;
  const at = BigInt(parts.at.getTime());
  if (at < 0n || at > mask(AT_BITS)) return undefined;
  const suffix = parts.kind === 'schedule' ? 0n : BigInt(`0x${parts.suffix}`);
  let p = at;
  p = (p << KIND_BITS) | BigInt(RUN_KINDS.indexOf(parts.kind));
  p = (p << TYPE_BITS) | BigInt(CLUEDIN_TYPES.indexOf(job.type));
  p = (p << SUFFIX_BITS) | suffix;
  p = (p << CHECK_BITS) | checkOf(jobId);
  return toGuid(p);
}

/**
 * The workflow id a JobRunId names, given the row's `Id` (the configuration id); undefined when the
 * GUID is not a JobRunId of that configuration's job.
 */
export function runIdOf(configurationId: string, jobRunId: string): { jobId: string; runId: string } | undefined {
  const cfg = normalizeGuid(configurationId);
  const p = fromGuid(jobRunId);
  if (!cfg || p === undefined) return undefined;
  const check = p & mask(CHECK_BITS);
  let rest = p >> CHECK_BITS;
  const suffix = rest & mask(SUFFIX_BITS);
  rest >>= SUFFIX_BITS;
  const type = CLUEDIN_TYPES[Number(rest & mask(TYPE_BITS))];
  rest >>= TYPE_BITS;
  const kind = RUN_KINDS[Number(rest & mask(KIND_BITS))];
  const at = new Date(Number(rest >> KIND_BITS));
  if (!type || !kind) return undefined;
  const jobId = jobIdFor(type, cfg);
  if (checkOf(jobId) !== check) return undefined;
  const parts: RunIdParts = kind === 'schedule' ? { kind, at } : { kind, at, suffix: suffix.toString(16).padStart(8, '0') };
  if (kind === 'schedule' && (suffix !== 0n || at.getUTCMilliseconds() !== 0)) return undefined;
  return { jobId, runId: formatRunId(jobId, parts) };
}

/** 122 payload bits → a GUID with version 8 and the RFC 9562 variant. */
function toGuid(p: bigint): string {
  const hi = p >> 74n; // 48 bits
  const mid = (p >> 62n) & mask(12n); // 12 bits
  const lo = p & mask(62n); // 62 bits
  const n = (hi << 80n) | (8n << 76n) | (mid << 64n) | (2n << 62n) | lo;
  const h = n.toString(16).padStart(32, '0');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function fromGuid(text: string): bigint | undefined {
  const g = normalizeGuid(text);
  if (!g) return undefined;
  const n = BigInt(`0x${g.replace(/-/g, '')}`);
  if (((n >> 76n) & 0xfn) !== 8n || ((n >> 62n) & 0x3n) !== 2n) return undefined;
  return ((n >> 80n) << 74n) | (((n >> 64n) & mask(12n)) << 62n) | (n & mask(62n));
}
