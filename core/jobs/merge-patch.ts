// JSON Merge Patch (RFC 7386): objects merge recursively, null removes a member, anything else
// (arrays included) replaces.
import { own } from '../objects/own.ts';

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const result: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    // Member names come from the client: read own members only, and define rather than assign, so
    // "__proto__" is a member like any other instead of the object's prototype.
    if (value === null) delete result[key];
    else Object.defineProperty(result, key, { value: mergePatch(own(result, key), value), enumerable: true, writable: true, configurable: true });
  }
  return result;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
