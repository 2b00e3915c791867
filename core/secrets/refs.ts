// Secret references in job data: `{"$secret": "NAME"}` anywhere in the tree. Pure functions: find
// the references (for validation and listing), resolve them to values (in the worker, in memory
// only), and mask every resolved value wherever it could come back (outputs, errors, progress).
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
 * Replaces every reference with its value. `lookup` returns undefined for an unknown name, which
 * throws (naming the secret, never a value). Returns the resolved tree and the values used.
 */
export function resolveSecretRefs(data: unknown, lookup: (name: string) => string | undefined): { data: unknown; values: string[] } {
  const values = new Set<string>();
  const walk = (v: unknown, p: string): unknown => {
    if (isSecretRef(v)) {
      const name = v.$secret;
      if (typeof name !== 'string' || !SECRET_NAME_PATTERN.test(name)) throw new SecretRefError(p, `$secret ${SECRET_NAME_RULE}`);
      const value = lookup(name);
      if (value === undefined) throw new SecretRefError(p, `secret '${name}' is not defined`);
      values.add(value);
      return value;
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, p ? `${p}.${i}` : String(i)));
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, p ? `${p}.${k}` : k)]));
    return v;
  };
  return { data: walk(data, ''), values: [...values] };
}

/** The forms a value may take on the way back from a target: as is, URL-encoded, JSON-escaped, base64. */
function variants(value: string): string[] {
  const out = new Set<string>([value]);
  out.add(encodeURIComponent(value));
  out.add(encodeURIComponent(value).replace(/%20/g, '+'));
  out.add(JSON.stringify(value).slice(1, -1));
  out.add(Buffer.from(value, 'utf8').toString('base64'));
  out.add(Buffer.from(value, 'utf8').toString('base64url'));
  return [...out].filter((v) => v.length > 0);
}

export type Masker = <T>(v: T) => T;

/** A function that replaces every occurrence of the given values (and their usual encodings) by `***`, deeply. */
export function masker(values: readonly string[]): Masker {
  const needles = [...new Set(values.filter((v) => v.length > 0).flatMap(variants))].sort((a, b) => b.length - a.length);
  if (needles.length === 0) return <T>(v: T) => v;
  const maskString = (s: string): string => {
    let out = s;
    for (const n of needles) if (out.includes(n)) out = out.split(n).join(MASK);
    return out;
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
