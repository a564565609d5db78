import { compareByBackendThenId, type Keyed } from './order.ts';

/**
 * One endpoint's rows of one kind, sorted once (when the snapshot is taken) in the order the
 * connections page in, with an index by native id: a page is a binary search for the cursor and
 * a slice, O(log n + page), never a scan or a sort per request.
 */
export class SortedRows<T extends Keyed> {
  readonly rows: readonly T[];
  private byId: Map<string, T> | undefined;

  constructor(rows: readonly T[], sorted = false) {
    this.rows = sorted ? rows : [...rows].sort(compareByBackendThenId);
  }

  get size(): number {
    return this.rows.length;
  }

  /** The row of that native id; the index is built on the first lookup (most lists never need it). */
  get(nativeId: string): T | undefined {
    this.byId ??= new Map(this.rows.map((row) => [row.nativeId, row]));
    return this.byId.get(nativeId);
  }

  /** Index of the first row ordered after `place` (rows.length when none is). */
  after(place: Keyed): number {
    let lo = 0;
    let hi = this.rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareByBackendThenId(this.rows[mid] as T, place) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the first row not ordered before `place`: rows before it are the ones before `place`. */
  before(place: Keyed): number {
    let lo = 0;
    let hi = this.rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareByBackendThenId(this.rows[mid] as T, place) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** One page's window: rows strictly between the cursors, at most `limit`, from the end if `inverted`. */
export interface PageWindow {
  readonly after?: Keyed | undefined;
  readonly before?: Keyed | undefined;
  readonly limit: number;
  readonly inverted: boolean;
}

/**
 * A page across several endpoints' sorted rows. The order is backend, endpoint, native id, so
 * each endpoint's rows form one contiguous run of it: the k-way merge of the endpoints' sorted
 * pages is their runs in endpoint order, and only up to `limit` rows of each are ever touched.
 * Inverted pages come back last-first, as resolveCursorConnection expects.
 */
export function pageAcross<T extends Keyed>(
  sources: readonly SortedRows<T>[],
  window: PageWindow,
): T[] {
  const runs = sources
    .filter((s) => s.size > 0)
    .sort((a, b) => compareByBackendThenId(a.rows[0] as T, b.rows[0] as T));
  if (window.inverted) runs.reverse();
  const page: T[] = [];
  for (const run of runs) {
    if (page.length >= window.limit) break;
    const lo = window.after ? run.after(window.after) : 0;
    const hi = window.before ? run.before(window.before) : run.size;
    const want = window.limit - page.length;
    if (window.inverted) {
      for (let i = hi - 1; i >= lo && page.length < window.limit; i--) page.push(run.rows[i] as T);
    } else {
      const end = Math.min(hi, lo + want);
      for (let i = lo; i < end; i++) page.push(run.rows[i] as T);
    }
  }
  return page;
}
