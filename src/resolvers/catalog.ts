import { CATALOG_BACKENDS, type CatalogBackend, isCatalogBackend } from '../backends/registry.ts';
import type { Context } from '../context.ts';
import type { BackendName } from '../domain/backend.ts';
import { failuresField } from '../schema/backend-failure.ts';
import { builder } from '../schema/builder.ts';
import { catalog } from '../schema/catalog.ts';
import { BackendEnum } from '../schema/enums.ts';
import { HostRef } from '../schema/host.ts';
import { fromGlobalId } from '../schema/ids.ts';
import { InstallationRef } from '../schema/installation.ts';
import { acrossBackends } from '../schema/partial-errors.ts';
import { PluginRef } from '../schema/plugin.ts';
import { gatheredConnection } from './connection.ts';

/**
 * The backends a list query covers: the one asked for (even when not configured, so the caller
 * hears BACKEND_NOT_CONFIGURED), or every configured one.
 */
function targets(ctx: Context, backend: BackendName | null | undefined): CatalogBackend[] {
  if (backend) return isCatalogBackend(backend) ? [backend] : [];
  return CATALOG_BACKENDS.filter((b) => ctx.backends[b] !== undefined);
}

/** The `backend:` argument of the catalog connections. */
const BACKEND_ARG_DESCRIPTION =
  'Only this backend (BACKEND_NOT_CONFIGURED when it is not configured); default every configured backend';

builder.queryField('plugins', (t) =>
  t.connection(
    {
      type: PluginRef,
      description: 'Plugins of every configured backend (or one), by backend then native id',
      args: { backend: t.arg({ type: BackendEnum, description: BACKEND_ARG_DESCRIPTION }) },
      resolve: async (_root, args, ctx, info) =>
        gatheredConnection(
          args,
          await acrossBackends(ctx, info, targets(ctx, args.backend), (b) =>
            catalog.plugins(ctx, b),
          ),
        ),
    },
    { name: 'PluginConnection', fields: (t) => ({ failures: failuresField(t) }) },
    { name: 'PluginEdge' },
  ),
);

builder.queryField('hosts', (t) =>
  t.connection(
    {
      type: HostRef,
      description: 'Hosts (SDM cluster members, HSS servers), by backend then native id',
      args: { backend: t.arg({ type: BackendEnum, description: BACKEND_ARG_DESCRIPTION }) },
      resolve: async (_root, args, ctx, info) =>
        gatheredConnection(
          args,
          await acrossBackends(ctx, info, targets(ctx, args.backend), (b) => catalog.hosts(ctx, b)),
        ),
    },
    { name: 'HostConnection', fields: (t) => ({ failures: failuresField(t) }) },
    { name: 'HostEdge' },
  ),
);

builder.queryField('installations', (t) =>
  t.connection(
    {
      type: InstallationRef,
      description: 'Installations, optionally of one plugin (global id or `backend:nativeId`)',
      args: {
        backend: t.arg({ type: BackendEnum, description: BACKEND_ARG_DESCRIPTION }),
        pluginId: t.arg.id({
          description: 'Only installations of this plugin (global id or `backend:nativeId`)',
        }),
      },
      resolve: async (_root, args, ctx, info) => {
        const plugin = args.pluginId
          ? (fromGlobalId(args.pluginId, 'Plugin') ?? args.pluginId)
          : undefined;
        const colon = plugin?.indexOf(':') ?? -1;
        const pluginBackend = plugin && colon > 0 ? plugin.slice(0, colon) : undefined;
        const pluginNativeId = plugin && colon > 0 ? plugin.slice(colon + 1) : plugin;
        let backends = targets(ctx, args.backend);
        if (pluginBackend) backends = backends.filter((b) => b === pluginBackend);
        const all = await acrossBackends(ctx, info, backends, (b) => catalog.installations(ctx, b));
        return gatheredConnection(
          args,
          pluginNativeId === undefined
            ? all
            : {
                ...all,
                items: all.items.filter((i) => i.pluginNativeId === pluginNativeId),
              },
        );
      },
    },
    { name: 'InstallationConnection', fields: (t) => ({ failures: failuresField(t) }) },
    { name: 'InstallationEdge' },
  ),
);
