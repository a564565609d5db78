import type { Catalog } from '../backends/catalog.ts';
import type { CatalogBackend } from '../backends/registry.ts';
import type { EndpointRef } from '../domain/endpoint.ts';
import type { Host, Installation, Plugin } from '../domain/model.ts';
import { SortedRows } from './sorted-rows.ts';

/**
 * Everything the graph knows of one endpoint's inventory, as read by one refresh: the rows
 * behind plugins, hosts and installations, each stamped with the endpoint and `observedAt`,
 * sorted once, with installations also grouped by plugin and by host (Plugin.installations,
 * Host.installations page those groups).
 */
export class Snapshot {
  private byPlugin: Map<string, SortedRows<Installation>> | undefined;
  private byHost: Map<string, SortedRows<Installation>> | undefined;

  constructor(
    readonly observedAt: Date,
    /**
     * The plugin list and the host + installation lists are separate vendor reads: one failing
     * leaves the other (SPEC §5: only the failing part errors), and reading the failed part
     * throws its error.
     */
    readonly parts: { readonly plugins: PluginsPart; readonly inventory: InventoryPart },
    /** Which write of the endpoint's snapshot in Redis it is (inventory/redis-share.ts); 0: none. */
    readonly version = 0,
  ) {}

  get plugins(): SortedRows<Plugin> {
    return rowsOrThrow(this.parts.plugins);
  }

  get hosts(): SortedRows<Host> {
    return rowsOrThrow(this.parts.inventory).hosts;
  }

  get installations(): SortedRows<Installation> {
    return rowsOrThrow(this.parts.inventory).installations;
  }

  /** Rows in the snapshot (BackendStatus.inventorySize). */
  get size(): number {
    const { plugins, inventory } = this.parts;
    return (
      (plugins instanceof SortedRows ? plugins.size : 0) +
      ('hosts' in inventory ? inventory.hosts.size + inventory.installations.size : 0)
    );
  }

  /** Whether a part failed to read: the store keeps the previous snapshot's part then. */
  get complete(): boolean {
    return !(this.parts.plugins instanceof Failed) && !(this.parts.inventory instanceof Failed);
  }

  /**
   * This snapshot with each failed part taken from `older`, where that has it; as old as
   * `older` then, so the old part's age still counts (INVENTORY_MAX_STALE_MS, BACKEND_STALE).
   */
  over(older: Snapshot | undefined): Snapshot {
    if (!older || this.complete) return this;
    return new Snapshot(
      older.observedAt,
      {
        plugins: this.parts.plugins instanceof Failed ? older.parts.plugins : this.parts.plugins,
        inventory:
          this.parts.inventory instanceof Failed ? older.parts.inventory : this.parts.inventory,
      },
      this.version,
    );
  }

  installationsOfPlugin(pluginNativeId: string): SortedRows<Installation> {
    this.byPlugin ??= groupBy(this.installations, (i) => i.pluginNativeId);
    return this.byPlugin.get(pluginNativeId) ?? EMPTY;
  }

  installationsOfHost(hostNativeId: string): SortedRows<Installation> {
    this.byHost ??= groupBy(this.installations, (i) => i.hostNativeId);
    return this.byHost.get(hostNativeId) ?? EMPTY;
  }
}

const EMPTY = new SortedRows<Installation>([], true);

/** A part of a refresh whose vendor read failed, with why. */
export class Failed {
  constructor(readonly error: unknown) {}
}

type PluginsPart = SortedRows<Plugin> | Failed;
type InventoryPart =
  | { readonly hosts: SortedRows<Host>; readonly installations: SortedRows<Installation> }
  | Failed;

function rowsOrThrow<T>(part: T | Failed): T {
  if (part instanceof Failed) throw part.error;
  return part;
}

/** Groups sorted rows by a key; each group keeps the order, so it needs no sort of its own. */
function groupBy(
  rows: SortedRows<Installation>,
  key: (i: Installation) => string | undefined,
): Map<string, SortedRows<Installation>> {
  const groups = new Map<string, Installation[]>();
  for (const row of rows.rows) {
    const k = key(row);
    if (k === undefined) continue;
    let group = groups.get(k);
    if (!group) {
      group = [];
      groups.set(k, group);
    }
    group.push(row);
  }
  return new Map([...groups].map(([k, group]) => [k, new SortedRows(group, true)]));
}

/** Stamps rows with their endpoint (when not named after the backend) and the read's time. */
function stamp<T extends { readonly endpoint?: string | undefined }>(
  endpoint: EndpointRef<CatalogBackend>,
  observedAt: Date,
  items: readonly T[],
): T[] {
  const named = endpoint.name === endpoint.backend ? {} : { endpoint: endpoint.name };
  return items.map((item) => ({ ...item, ...named, observedAt }));
}

/**
 * One refresh: the endpoint's lists read concurrently, sharing one `reads` scope so rows a
 * client reads for several lists (HSS plugin codes) are fetched once per refresh. Hosts and
 * installations come from `listInventory` where the vendor serves both from the same rows.
 */
export async function readSnapshot(
  endpoint: EndpointRef<CatalogBackend>,
  source: Catalog,
): Promise<Snapshot> {
  const reads = {};
  // When the read began: the vendor rows are at least this fresh, whatever the paging took.
  const observedAt = new Date();
  const [plugins, rest] = await Promise.allSettled([
    source.listPlugins(reads),
    source.listInventory
      ? source.listInventory(reads)
      : Promise.all([source.listHosts(reads), source.listInstallations(reads)]).then(
          ([hosts, installations]) => ({ hosts, installations }),
        ),
  ]);
  // Nothing read at all: the refresh failed (the first read's error, as before snapshots).
  if (plugins.status === 'rejected' && rest.status === 'rejected') throw plugins.reason;
  return new Snapshot(observedAt, {
    plugins:
      plugins.status === 'fulfilled'
        ? new SortedRows(stamp(endpoint, observedAt, plugins.value))
        : new Failed(plugins.reason),
    inventory:
      rest.status === 'fulfilled'
        ? {
            hosts: new SortedRows(stamp(endpoint, observedAt, rest.value.hosts)),
            installations: new SortedRows(stamp(endpoint, observedAt, rest.value.installations)),
          }
        : new Failed(rest.reason),
  });
}
