// Keys that come from users (job ids, user names, slugs, field names) index plain objects read from
// JSON files and request bodies. A key such as "constructor" or "toString" must find nothing there,
// not the function Object.prototype lends every object.

/** The record's own value under `key`, or undefined. */
export function own<T>(rec: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return rec !== undefined && Object.hasOwn(rec, key) ? rec[key] : undefined;
}
