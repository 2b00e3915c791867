// Keyset paging over the state store: a query reads one row more than the page to learn whether a
// next page exists, and the next page's cursor names the last row shown (never an offset, so rows
// written meanwhile neither repeat nor vanish).

/** A page of items and the cursor of the next one (null on the last). */
export interface KeysetPage<T> {
  items: T[];
  nextCursor: string | null;
}

/** The page of `rows` (read with limit pageSize + 1), mapped, with the next cursor made from its last item. */
export function keysetPage<R, T>(rows: readonly R[], pageSize: number, map: (row: R) => T, cursorOf: (last: T) => string): KeysetPage<T> {
  const items = rows.slice(0, pageSize).map(map);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > pageSize && last !== undefined ? Buffer.from(cursorOf(last)).toString('base64url') : null };
}
