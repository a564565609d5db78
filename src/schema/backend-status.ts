import { visible } from '../auth/policy.ts';
import type { EndpointHealth } from '../ops/health.ts';
import { builder } from './builder.ts';
import { BackendEnum } from './enums.ts';

const BreakerStateEnum = builder.enumType('BreakerState', {
  values: ['CLOSED', 'OPEN', 'HALF_OPEN'] as const,
});

export const BackendStatusRef = builder.objectRef<EndpointHealth>('BackendStatus').implement({
  description: 'Whether an endpoint of a backend is configured and how its last check went',
  fields: (t) => ({
    backend: t.field({ type: BackendEnum, resolve: (h) => h.backend }),
    endpoint: t.exposeString('endpoint', {
      description:
        "The endpoint's name (SPEC §10: `sdm`, `hss`, … for the environment's; the endpoints file's `name`); the backend's for an unconfigured one",
    }),
    configured: t.exposeBoolean('configured'),
    reachable: t.exposeBoolean('reachable', {
      nullable: true,
      description: 'Null when not configured',
    }),
    latencyMs: t.float({
      nullable: true,
      description:
        'Duration of the last check in milliseconds, rounded to 0.1 ms; null when not configured',
      // The raw performance.now() difference has ~13 digits of noise no caller can use.
      resolve: (h) => (h.latencyMs === undefined ? null : Math.round(h.latencyMs * 10) / 10),
    }),
    lastCheckedAt: t.expose('lastCheckedAt', { type: 'DateTime', nullable: true }),
    errorCode: t.exposeString('errorCode', {
      nullable: true,
      description: 'Infrastructure code of the last failed check',
    }),
    breaker: t.field({ type: BreakerStateEnum, resolve: (h) => h.breaker }),
    inventoryObservedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description:
        "When the endpoint's inventory snapshot was read from the vendor; null before its first read (and for the appliance)",
      resolve: (h, _args, ctx) => ctx.inventory.status(h.endpoint)?.observedAt ?? null,
    }),
    inventorySize: t.int({
      nullable: true,
      description:
        "Rows (plugins, hosts, installations) in the endpoint's inventory snapshot; null before its first read",
      resolve: (h, _args, ctx) => ctx.inventory.status(h.endpoint)?.size ?? null,
    }),
  }),
});

builder.queryField('backends', (t) =>
  t.field({
    type: [BackendStatusRef],
    description:
      'One row per endpoint, by backend, and one (not configured) per backend without endpoints: how its last check went',
    // An endpoint invisible to the caller (SPEC §14) is left out; a backend without endpoints
    // is listed for everyone, as it tells nothing of any endpoint.
    resolve: async (_root, _args, ctx) =>
      (await ctx.health.all()).filter((h) => !h.configured || visible(ctx, h.endpoint)),
  }),
);
