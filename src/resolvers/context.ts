import type { Logger } from 'pino';
import type { AuditTrail } from '../audit/trail.ts';
import type { Caller } from '../auth/auth.ts';
import type { AccessPolicy } from '../auth/policy.ts';
import type { EndpointRegistry } from '../backends/registry.ts';
import type { InventoryStore } from '../inventory/store.ts';
import type { HealthMonitor } from '../ops/health.ts';
import type { RolloutRunner } from '../rollouts/runner.ts';
import type { TaskTracker } from '../tasks/tracker.ts';

/**
 * What every resolver sees. Built anew per request: request-scoped state (DataLoaders, requestOnce)
 * is kept on this object (request/slot.ts) and dies with it; the members are shared. Here, below
 * schema/ and resolvers/ that read it, rather than at src/'s root, which imports them (app.ts).
 */
export interface Context {
  /** Every endpoint's client (SPEC §10): what the catalog lists and ids go through. */
  readonly endpoints: EndpointRegistry;
  readonly tracker: TaskTracker;
  /** Each endpoint's inventory snapshot: what plugins, hosts and installations answer from. */
  readonly inventory: InventoryStore;
  readonly health: HealthMonitor;
  readonly logger: Logger;
  /** The audit trail every mutation writes to (SPEC §11). */
  readonly audit: AuditTrail;
  /** Rollouts (SPEC §13): the ones this instance drives, and the store of all. */
  readonly rollouts: RolloutRunner;
  /** Who the operation runs for: set by useAuth (auth/auth.ts) before any resolver runs. */
  readonly caller?: Caller | undefined;
  /** Scoped access (SPEC §14): read through auth/policy.ts `callerScope`; undefined: no file. */
  readonly policy?: AccessPolicy | undefined;
}
