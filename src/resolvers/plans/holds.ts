import { isCatalogBackend } from '../../backends/registry.ts';
import { catalog, catalogEndpoint } from '../catalog.ts';
import type { Context } from '../context.ts';
import type { Holds } from '../endpoint-arg.ts';

/**
 * What an endpoint has, asked only when a mutation names an object by native id and several
 * endpoints could hold it (endpoint-arg.ts): read from the endpoint's inventory snapshot, the
 * same the lists answer from, so a warm snapshot costs no vendor call.
 */
export function holdsPlugin(ctx: Context, nativeId: string): Holds {
  return async (name) => {
    const endpoint = catalogEndpoint(ctx, name);
    if (!endpoint || !isCatalogBackend(endpoint.backend)) return false;
    return (await catalog.plugins(ctx, endpoint)).get(nativeId) !== undefined;
  };
}

/** Every one of the hosts is the endpoint's. */
export function holdsHosts(ctx: Context, hostIds: readonly string[]): Holds {
  return async (name) => {
    const endpoint = catalogEndpoint(ctx, name);
    if (!endpoint) return false;
    const hosts = await catalog.hosts(ctx, endpoint);
    return hostIds.every((id) => hosts.get(id) !== undefined);
  };
}
