/**
 * `fn` over every item with at most `limit` calls in flight; results in the items' order.
 * For work that mostly waits on a child process (apertium, a synthesizer), where a few calls
 * at a time keep the cores busy without a worker pool.
 */
export async function mapConcurrent<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
