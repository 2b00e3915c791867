// Secret references in job data: `{"$secret": "NAME"}` anywhere in the tree. Pure functions: find
// the references (for validation and listing), resolve them to values (in the worker, in memory
// only), and mask every resolved value wherever it could come back (outputs, errors, progress).
import { trimEndChar } from '../text.ts';
export const SECRET_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
export const SECRET_NAME_RULE = 'must be 1-128 characters: letters, digits and _ (not a digit first)';
export const MASK = '***';

export class SecretRefError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'SecretRefError';
  }
}

/** `{"$secret": "NAME"}` exactly (one key). */
export function isSecretRef(v: unknown): v is { $secret: string } {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && keys[0] === '$secret';
}

/** Every reference in `data` with its dotted path; throws SecretRefError for a malformed one. */
export function findSecretRefs(data: unknown, path = ''): { path: string; name: string }[] {
  const out: { path: string; name: string }[] = [];
  const walk = (v: unknown, p: string) => {
    if (isSecretRef(v)) {
      const name = v.$secret;
      if (typeof name !== 'string' || !SECRET_NAME_PATTERN.test(name)) throw new SecretRefError(p, `$secret ${SECRET_NAME_RULE}`);
      out.push({ path: p, name });
      return;
    }
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, p ? `${p}.${i}` : String(i)));
    else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) walk(x, p ? `${p}.${k}` : k);
  };
  walk(data, path);
  return out;
}

/**
 * Replaces every reference with its value. `lookup` answers a value, or why not (a message naming
 * the secret; undefined stands for "not available"), which throws a SecretRefError at the
 * reference's path, never quoting a value. Returns the resolved tree and the values used.
 */
export function resolveSecretRefs(data: unknown, lookup: (name: string) => string | { message: string } | undefined): { data: unknown; values: string[] } {
  const values = new Set<string>();
  const walk = (v: unknown, p: string): unknown => {
    if (isSecretRef(v)) {
      const name = v.$secret;
      if (typeof name !== 'string' || !SECRET_NAME_PATTERN.test(name)) throw new SecretRefError(p, `$secret ${SECRET_NAME_RULE}`);
      const value = lookup(name);
      if (typeof value !== 'string') throw new SecretRefError(p, value?.message ?? `secret '${name}' is not available to the job's owner`);
      values.add(value);
      return value;
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, p ? `${p}.${i}` : String(i)));
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, p ? `${p}.${k}` : k)]));
    return v;
  };
  return { data: walk(data, ''), values: [...values] };
}

/** Derived forms shorter than this are not masked (they would match ordinary text); the value itself always is. */
const MIN_VARIANT = 4;
/** A string that ends with at least this much of the start of a form (or starts with its end) is masked there: a cut-off copy. */
export const MIN_PARTIAL = 4;

/**
 * The base64 characters that depend on `bytes` alone when they sit at any of the three offsets in a
 * longer encoded string (e.g. `Basic base64(user:secret)`): for each alignment, the characters
 * between the first and the last that the neighbouring bytes also feed.
 */
function base64Cores(bytes: Buffer): string[] {
  const out: string[] = [];
  for (let k = 0; k < 3; k++) {
    const enc = Buffer.concat([Buffer.alloc(k), bytes]).toString('base64');
    const from = Math.ceil((8 * k) / 6);
    const to = Math.floor((8 * (k + bytes.length)) / 6);
    if (to > from) out.push(enc.slice(from, to));
  }
  return out;
}

/** Percent-escapes with lower-case hex digits (some encoders write %2f). */
const lowerHex = (s: string) => s.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());

/**
 * The forms a value may take on the way back from a target: as is; URL-encoded (component, with +
 * for spaces, form-encoded, encodeURI; upper- and lower-case hex); JSON-escaped (plain, ASCII-only,
 * with escaped slashes); base64 and base64url, alone or inside a longer encoded string.
 */
export function variants(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const json = JSON.stringify(value).slice(1, -1);
  const asciiJson = json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const urlForms = [encodeURIComponent(value), encodeURIComponent(value).replace(/%20/g, '+'), new URLSearchParams({ v: value }).toString().slice(2), encodeURI(value)];
  const b64 = [bytes.toString('base64'), bytes.toString('base64url'), ...base64Cores(bytes)];
  const derived = [
    ...urlForms,
    ...urlForms.map(lowerHex),
    json,
    asciiJson,
    json.replace(/\//g, '\\/'),
    ...b64,
    ...b64.map((b) => trimEndChar(b.replace(/\+/g, '-').replace(/\//g, '_'), '=')),
  ];
  const out = new Set([value, ...derived.filter((v) => v.length >= MIN_VARIANT)]);
  return [...out].filter((v) => v.length > 0);
}

export type Masker = <T>(v: T) => T;

/** Where `s` ends with a proper prefix of `n` at least MIN_PARTIAL long (the longest), or -1. */
function trailingPrefix(s: string, n: string): number {
  const head = n.slice(0, MIN_PARTIAL);
  if (n.length <= MIN_PARTIAL) return -1;
  for (let i = s.indexOf(head, Math.max(0, s.length - n.length + 1)); i >= 0 && s.length - i >= MIN_PARTIAL; i = s.indexOf(head, i + 1)) {
    if (n.startsWith(s.slice(i))) return i;
  }
  return -1;
}

/** The length of the longest proper suffix of `n` (at least MIN_PARTIAL long) that `s` starts with, or 0. */
function leadingSuffix(s: string, n: string): number {
  if (n.length <= MIN_PARTIAL || s.length < MIN_PARTIAL) return 0;
  const head = s.slice(0, MIN_PARTIAL);
  for (let p = n.indexOf(head, Math.max(1, n.length - s.length)); p >= 0 && n.length - p >= MIN_PARTIAL; p = n.indexOf(head, p + 1)) {
    if (s.startsWith(n.slice(p))) return n.length - p;
  }
  return 0;
}

/**
 * A function that replaces every occurrence of the given values (and their usual encodings) by
 * `***`, deeply (object keys too). A string cut off in the middle of a value (a captured body
 * truncated at its cap, a chunk that starts inside one) is masked too: a trailing prefix or a
 * leading suffix of a form, at least MIN_PARTIAL characters long.
 */
export function masker(values: readonly string[]): Masker {
  const needles = [...new Set(values.filter((v) => v.length > 0).flatMap(variants))].sort((a, b) => b.length - a.length);
  if (needles.length === 0) return <T>(v: T) => v;
  const maskEnds = (s: string): string => {
    // A cut inside a multi-byte character leaves U+FFFD at the end; the prefix is before it.
    let end = s.length;
    while (end > 0 && s.charCodeAt(end - 1) === 0xfffd) end--;
    let body = s.slice(0, end);
    let cut = false;
    for (const n of needles) {
      const at = trailingPrefix(body, n);
      if (at >= 0) {
        body = `${body.slice(0, at)}${MASK}`;
        cut = true;
      }
      const len = leadingSuffix(body, n);
      if (len > 0) body = `${MASK}${body.slice(len)}`;
    }
    return cut ? body : body + s.slice(end);
  };
  const maskString = (s: string): string => {
    let out = s;
    for (const n of needles) if (out.includes(n)) out = out.split(n).join(MASK);
    return maskEnds(out);
  };
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return maskString(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v instanceof Uint8Array) return v;
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [maskString(k), walk(x)]));
    return v;
  };
  return <T>(v: T) => walk(v) as T;
}
