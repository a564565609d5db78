import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { CatalogBackend } from '../backends/registry.ts';
import { BACKENDS } from '../domain/backend.ts';
import type { EndpointRef } from '../domain/endpoint.ts';
import {
  HOST_STATUSES,
  type Host,
  INSTALLATION_STATUSES,
  type Installation,
  PLUGIN_STATUSES,
  type Plugin,
} from '../domain/model.ts';
import type { StoreDeadline } from '../store/redis-deadline.ts';
import { Snapshot } from './snapshot.ts';
import { SortedRows } from './sorted-rows.ts';
import type { SnapshotShare } from './store.ts';

// Takes the endpoint's refresh lease, or keeps it when this instance already holds it.
const TAKE_OR_KEEP =
  "local v = redis.call('get', KEYS[1]) if v == false then redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 elseif v == ARGV[1] then redis.call('pexpire', KEYS[1], ARGV[2]) return 1 else return 0 end";

/** Rows as written: JSON, dates as ISO strings (revived before parsing). */
const text = z.string().optional();
const date = z.date().optional();
const keyed = {
  backend: z.enum(BACKENDS),
  endpoint: text,
  nativeId: z.string(),
  observedAt: date,
};
const pluginSchema = z.object({
  ...keyed,
  name: z.string(),
  description: text,
  version: text,
  vendor: text,
  status: z.enum(PLUGIN_STATUSES),
  vendorStatus: text,
}) satisfies z.ZodType<Plugin>;
const hostSchema = z.object({
  ...keyed,
  name: z.string(),
  address: text,
  status: z.enum(HOST_STATUSES),
}) satisfies z.ZodType<Host>;
const installationSchema = z.object({
  ...keyed,
  pluginNativeId: z.string(),
  hostNativeId: text,
  superClientId: text,
  status: z.enum(INSTALLATION_STATUSES),
  vendorStatus: text,
  progress: z.number().optional(),
  installedAt: date,
  updatedAt: date,
}) satisfies z.ZodType<Installation>;
const writtenSchema = z.object({
  version: z.number().int(),
  observedAt: z.date(),
  plugins: z.array(pluginSchema),
  hosts: z.array(hostSchema),
  installations: z.array(installationSchema),
});
const DATE_FIELDS = new Set(['observedAt', 'installedAt', 'updatedAt']);

export interface RedisSnapshotShareOptions {
  /** How long a refresh lease lasts: past it without a refresh, another instance takes over. */
  readonly leaseMs: number;
  /** Told about a Redis failure; the refresh then reads the vendor itself. Must not throw. */
  readonly onError?: (err: unknown) => void;
}

/**
 * Scaled-out mode (issue 17): one instance refreshes each endpoint's snapshot, holding the lease
 * `inventory-lease:<endpoint>` (renewed by each of its refreshes, so it lapses only when that
 * instance stops refreshing), and writes it to `inventory:<endpoint>` with a version; the
 * others read the newest write, and keep the snapshot they hold while the version is the same,
 * so a request never re-parses it. Redis failing: each instance reads its vendor itself.
 */
export class RedisSnapshotShare implements SnapshotShare {
  private readonly owner = randomUUID();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly deadline: StoreDeadline,
    private readonly options: RedisSnapshotShareOptions,
  ) {}

  async refresh(
    endpoint: EndpointRef<CatalogBackend>,
    fromVendor: () => Promise<Snapshot>,
    known: Snapshot | undefined,
  ): Promise<Snapshot> {
    let holder: boolean;
    try {
      holder =
        (await this.deadline.run(() =>
          this.redis.eval(
            TAKE_OR_KEEP,
            1,
            this.key('inventory-lease', endpoint),
            this.owner,
            this.options.leaseMs,
          ),
        )) === 1;
    } catch (err) {
      this.options.onError?.(err);
      return fromVendor();
    }
    if (holder) {
      const snapshot = await fromVendor();
      await this.write(endpoint, snapshot).catch((err: unknown) => this.options.onError?.(err));
      return snapshot;
    }
    try {
      const version = Number(
        await this.deadline.run(() => this.redis.get(this.key('inventory-version', endpoint))),
      );
      if (known && known.version === version) return known;
      const text = await this.deadline.run(() => this.redis.get(this.key('inventory', endpoint)));
      // Not written yet (the holder's first refresh runs): this first read asks the vendor.
      if (text === null) return fromVendor();
      return parse(text);
    } catch (err) {
      this.options.onError?.(err);
      return fromVendor();
    }
  }

  async close(): Promise<void> {}

  /** Only whole snapshots are shared: a part that failed is the holder's to read again. */
  private async write(endpoint: EndpointRef<CatalogBackend>, snapshot: Snapshot): Promise<void> {
    if (!snapshot.complete) return;
    const version = await this.deadline.run(() =>
      this.redis.incr(this.key('inventory-version', endpoint)),
    );
    const body = JSON.stringify({
      version,
      observedAt: snapshot.observedAt.toISOString(),
      plugins: snapshot.plugins.rows,
      hosts: snapshot.hosts.rows,
      installations: snapshot.installations.rows,
    });
    await this.deadline.run(() => this.redis.set(this.key('inventory', endpoint), body));
  }

  private key(kind: string, endpoint: EndpointRef<CatalogBackend>): string {
    return `${this.prefix}${kind}:${endpoint.name}`;
  }
}

/** A written snapshot, validated (another instance's bytes are input like any other). */
function parse(text: string): Snapshot {
  const written = writtenSchema.parse(
    JSON.parse(text, (key, value) =>
      DATE_FIELDS.has(key) && typeof value === 'string' ? new Date(value) : value,
    ),
  );
  // The rows were sorted by the instance that wrote them; they keep that order.
  return new Snapshot(
    written.observedAt,
    {
      plugins: new SortedRows(written.plugins, true),
      inventory: {
        hosts: new SortedRows(written.hosts, true),
        installations: new SortedRows(written.installations, true),
      },
    },
    written.version,
  );
}
