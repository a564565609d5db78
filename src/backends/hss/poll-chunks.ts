/**
 * How a task's poll asks ListPluginStatus about particular hosts (those that left the in-progress
 * state: poll-batch.ts) without a URL that grows with the fleet. The vendor filters by `host_ids` (repeated in the query, as the client sends every
 * array), so the targets go in chunks: each chunk's `host_ids` stay under a byte budget far below
 * the 8 KiB request lines common gateways accept (an operateAll task once put 5,000 ids in one
 * URL and got 431 from ~400 hosts on), and never name more hosts than one page (`limit` ≤ 200)
 * holds, so a chunk is one round trip. Chunks cost follows the task's targets, not the fleet: a
 * task on 3 of 5,000 hosts stays one small call per poll; a poll of every host costs
 * ceil(targets / chunk) calls, at most POLL_CONCURRENCY at a time so a poll does not burst the
 * vendor's rate limit.
 */

export { mapLimited } from '../rows.ts';

/** Bytes of `host_ids=…&` per URL: half of an 8 KiB gateway limit, the rest is path and query. */
export const POLL_HOST_IDS_BUDGET = 4 * 1024;

/** Host ids per ListPluginStatus call at most (also capped by the client's page size). */
export const POLL_MAX_IDS = 100;

/** ListPluginStatus calls of one poll in flight at once. */
export const POLL_CONCURRENCY = 4;

/** `ids` in order, cut so no chunk has more than `maxIds` ids or `budget` bytes of query. */
export function hostIdChunks(
  ids: readonly string[],
  maxIds: number = POLL_MAX_IDS,
  budget: number = POLL_HOST_IDS_BUDGET,
): string[][] {
  const chunks: string[][] = [];
  let chunk: string[] = [];
  let bytes = 0;
  for (const id of ids) {
    // What the id costs in the URL: `host_ids=<percent-encoded id>&`.
    const cost = 'host_ids='.length + Buffer.byteLength(encodeURIComponent(id)) + 1;
    if (chunk.length > 0 && (chunk.length >= maxIds || bytes + cost > budget)) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(id);
    bytes += cost;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}
