import { BACKENDS, type BackendName } from '../domain/backend.ts';
import type { EndpointRef } from '../domain/endpoint.ts';
import type { BackendConfigOf, BackendConfigs } from './backends.ts';

/**
 * The endpoints the server talks to (SPEC §10): those the environment configures, one per backend
 * named after it, and those an endpoints file lists, any number of each backend under any names.
 * The runtime holds one client per endpoint (`servedEndpoints`).
 */

/** Where an endpoint is configured, for problems that name it. */
export type EndpointSource = 'environment' | 'file' | 'demo';

/**
 * What a client is created from: which endpoint and its backend's settings (an `EndpointConfig`
 * without where it is written, which `Config.backends` overrides do not have).
 */
export type EndpointSettings = {
  readonly [B in BackendName]: EndpointRef<B> & { readonly settings: BackendConfigOf<B> };
}[BackendName];

/**
 * One endpoint as the configuration gives it: which one, its backend's settings exactly as its
 * client takes them, and where it is written. A value of its own, not an `Endpoint`
 * (backends/registry.ts): it is parsed and checked before any client exists, demo mode swaps it
 * wholesale, and only it knows where a problem points.
 */
export type EndpointConfig = EndpointSettings & {
  readonly source: EndpointSource;
  /** Where a problem points: `HSS_URL` or `endpoints[hss-eu]` (endpoint-labels.ts). */
  readonly origin: string;
};

/** `^[a-z][a-z0-9-]{0,31}$`: endpoint names go into global ids, metrics labels and logs. */
export const ENDPOINT_NAME = /^[a-z][a-z0-9-]{0,31}$/;

/** The endpoints of a per-backend map (the environment's, or demo mode's simulators). */
export function endpointsOf(
  backends: BackendConfigs,
  source: 'environment' | 'demo',
): EndpointConfig[] {
  const endpoints: EndpointConfig[] = [];
  for (const backend of BACKENDS) {
    const settings = backends[backend];
    if (settings === undefined) continue;
    const origin = source === 'demo' ? `demo ${backend}` : `${backend.toUpperCase()}_URL`;
    // Each iteration pairs one backend with its own settings; TypeScript cannot follow that.
    endpoints.push({ name: backend, backend, source, origin, settings } as EndpointConfig);
  }
  return endpoints;
}

/**
 * The settings of each backend's endpoint named after it (the environment's, or the file's of
 * that name): `Config.backends`, which tests override to point a runtime at simulators.
 */
export function backendsOf(endpoints: readonly EndpointConfig[]): BackendConfigs {
  const backends: { -readonly [B in BackendName]?: BackendConfigs[B] } = {};
  for (const endpoint of endpoints) {
    if (endpoint.name !== endpoint.backend) continue;
    Object.assign(backends, { [endpoint.backend]: endpoint.settings });
  }
  return backends;
}

/**
 * The endpoints a runtime serves, one client each: every backend's endpoint named after it, from
 * `backends` (so a config whose `backends` was overridden serves exactly those), then the other
 * endpoints in the order they are listed.
 */
export function servedEndpoints(config: {
  readonly endpoints: readonly EndpointConfig[];
  readonly backends: BackendConfigs;
}): EndpointSettings[] {
  const served: EndpointSettings[] = [];
  for (const backend of BACKENDS) {
    const settings = config.backends[backend];
    // Each iteration pairs one backend with its own settings; TypeScript cannot follow that.
    if (settings !== undefined)
      served.push({ name: backend, backend, settings } as EndpointSettings);
  }
  for (const { name, backend, settings } of config.endpoints)
    if (name !== backend) served.push({ name, backend, settings } as EndpointSettings);
  return served;
}
