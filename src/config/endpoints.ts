import { BACKENDS, type BackendName } from '../domain/backend.ts';
import type { BackendConfigOf, BackendConfigs } from './backends.ts';

/**
 * The endpoints the server talks to (SPEC §10): those the environment configures, one per backend
 * named after it, and those an endpoints file lists. The runtime still holds one client per
 * backend (Config.backends, derived here); serving several endpoints of one backend is the next
 * phase of the fleet issue, so until then `refuseUnservedEndpoints` turns them into problems.
 */

/** Where an endpoint is configured, for problems that name it. */
export type EndpointSource = 'environment' | 'file' | 'demo';

/** One endpoint: its name, its backend, and that backend's settings exactly as its client takes them. */
export type EndpointConfig = {
  readonly [B in BackendName]: {
    readonly name: string;
    readonly backend: B;
    readonly source: EndpointSource;
    /** Where a problem points: `HSS_URL` or `endpoints[1]`. */
    readonly origin: string;
    readonly settings: BackendConfigOf<B>;
  };
}[BackendName];

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

/** Today's one-client-per-backend map, which the rest of the code reads in this phase. */
export function backendsOf(endpoints: readonly EndpointConfig[]): BackendConfigs {
  const backends: { -readonly [B in BackendName]?: BackendConfigs[B] } = {};
  for (const endpoint of endpoints) {
    if (backends[endpoint.backend] !== undefined) continue; // refused by refuseUnservedEndpoints
    Object.assign(backends, { [endpoint.backend]: endpoint.settings });
  }
  return backends;
}

/**
 * What this phase cannot serve, refused rather than silently ignored: several endpoints of one
 * backend (one client per backend until the next phase), and an endpoint not named after its
 * backend (global ids are `Type:backend:nativeId` today and become `Type:endpoint:nativeId`, so
 * only such a name keeps its ids when the next phase lands). Delete with the next phase.
 */
export function refuseUnservedEndpoints(
  endpoints: readonly EndpointConfig[],
  problems: string[],
): void {
  for (const backend of BACKENDS) {
    const several = endpoints.filter((e) => e.backend === backend);
    if (several.length > 1) {
      const names = several.map((e) => `${e.name} (${e.origin})`).join(', ');
      problems.push(
        `endpoints: several endpoints of backend ${backend} are not served yet, one per backend for now: ${names}`,
      );
    }
  }
  for (const endpoint of endpoints) {
    if (endpoint.name !== endpoint.backend)
      problems.push(
        `${endpoint.origin}.name: "${endpoint.name}" is not served yet: until several endpoints of one backend are, an endpoint is named after its backend ("${endpoint.backend}"), which keeps today's ids`,
      );
  }
}
