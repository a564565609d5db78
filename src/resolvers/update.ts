import { visible } from '../auth/policy.ts';
import { notConfigured } from '../backends/errors.ts';
import type { EndpointRef } from '../domain/endpoint.ts';
import { NotFoundError } from '../domain/errors.ts';
import type { Update } from '../domain/model.ts';
import { visibleEndpoint } from './catalog.ts';
import type { Context } from './context.ts';

/** The appliances the caller may see (SPEC §14): an invisible one is as if not configured. */
function visibleAppliances(ctx: Context) {
  return ctx.endpoints.of('appliance').filter((e) => visible(ctx, e.name));
}

/**
 * The appliances `updates` covers: the one named by `endpoint` (an unknown name answers nothing,
 * as an unknown id does), or every configured one; `appliance` alone when none is, so the caller
 * hears BACKEND_NOT_CONFIGURED as before fleets.
 */
export function appliancesAsked(
  ctx: Context,
  endpoint?: string | null,
): EndpointRef<'appliance'>[] {
  const of = visibleAppliances(ctx).map((e) => ({ name: e.name, backend: 'appliance' as const }));
  if (endpoint !== undefined && endpoint !== null) return of.filter((e) => e.name === endpoint);
  return of.length > 0 ? of : [{ name: 'appliance', backend: 'appliance' }];
}

/** Updates one appliance can install (retrieve-updates; the client caches it briefly). */
export async function listUpdates(
  ctx: Context,
  appliance: EndpointRef<'appliance'>,
): Promise<Update[]> {
  const endpoint = visibleEndpoint(ctx, appliance.name);
  if (endpoint?.backend !== 'appliance') {
    if (visibleAppliances(ctx).length === 0) throw notConfigured('appliance');
    return [];
  }
  const updates = await endpoint.client.listUpdates();
  return appliance.name === 'appliance'
    ? updates
    : updates.map((u) => ({ ...u, endpoint: appliance.name }));
}

/** The Update loader's batch: one retrieve-updates per appliance answers every id of the request. */
export async function updatesByIds(
  ids: readonly string[],
  ctx: Context,
): Promise<(Update | Error)[]> {
  const lists = new Map<string, Promise<Map<string, Update>>>();
  const listOf = (name: string) => {
    let list = lists.get(name);
    if (!list) {
      list = listUpdates(ctx, { name, backend: 'appliance' }).then(
        (updates) => new Map(updates.map((u) => [u.version, u])),
      );
      lists.set(name, list);
    }
    return list;
  };
  return Promise.all(
    ids.map(async (id) => {
      const colon = id.indexOf(':');
      // `appliance:<version>`, `<endpoint>:<version>`, or a bare version (the one appliance).
      const name = colon > 0 ? id.slice(0, colon) : 'appliance';
      const known = name === 'appliance' || visibleEndpoint(ctx, name)?.backend === 'appliance';
      if (!known) return new NotFoundError('Update', id);
      return (await listOf(name)).get(id.slice(colon + 1)) ?? new NotFoundError('Update', id);
    }),
  );
}
