import type { PluginDriverInventory } from './wire.ts';

/** Pages of QueryPluginDrivers read at most: 100,000 drivers at 1,000 a page. */
export const MAX_PAGES = 100;

/**
 * Every page of QueryPluginDrivers (`start`, `limit`), each driver once (by uuid). A short page
 * ends the list; so does a page that brought no driver not seen before (issue 26.3: a node that
 * ignores `start` sends its first page for ever, and the loop had no other end) and MAX_PAGES.
 */
export async function readAllDrivers(
  pageSize: number,
  read: (start: number) => Promise<readonly PluginDriverInventory[]>,
): Promise<PluginDriverInventory[]> {
  const drivers = new Map<string, PluginDriverInventory>();
  for (let page = 0; page < MAX_PAGES; page++) {
    const rows = await read(page * pageSize);
    const before = drivers.size;
    for (const row of rows) if (!drivers.has(row.uuid)) drivers.set(row.uuid, row);
    if (rows.length < pageSize || drivers.size === before) break;
  }
  return [...drivers.values()];
}
