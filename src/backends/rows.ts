/**
 * Vendor lists as they should be, whatever the vendor sent (issue 26.3): one HSS answer held the
 * same plug-in 38,000 times, and each copy cost a status read. Rows are kept once per id, and
 * per-row reads run a few at a time.
 */

/** `rows` with every repeat of a key dropped, the first occurrence kept, in order. */
export function distinctBy<T>(rows: readonly T[], key: (row: T) => string): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const row of rows) {
    const k = key(row);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(row);
  }
  return out;
}

/**
 * `work` over every item, at most `limit` at a time; results in item order. The first failure
 * rejects and stops workers from starting more items.
 */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = await work(items[i] as T);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
