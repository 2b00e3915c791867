// Fan-out with a bound: work that reads or writes many jobs (a dialect's list, a bulk action, an
// apply) keeps at most `parallel` Temporal calls in flight instead of one per job at once.

/** Runs `fn` over `items`, at most `parallel` at a time, keeping order. */
export async function mapLimited<T, R>(items: readonly T[], fn: (t: T) => Promise<R>, parallel = 8): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, items.length) }, worker));
  return out;
}
