import { HAVE_REDIS } from '../../test/redis/redis-server.ts';

/** Every SOAK_* knob (docs/security.md: Fault injection), read once; and the run's fixed choices. */

export const SECONDS = Number(process.env.SOAK_SECONDS ?? 120);
export const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 8);
export const MAX_GROWTH_MB = Number(process.env.SOAK_MAX_GROWTH_MB ?? 32);
/** Mean time between two random faults. */
export const FAULT_EVERY_MS = Number(process.env.SOAK_FAULT_EVERY_MS ?? 1_500);
export const WITH_REDIS =
  process.env.SOAK_REDIS !== '0' && (HAVE_REDIS || process.env.SOAK_REDIS === '1');
export const REDIS_OUTAGE_EVERY_MS = Number(process.env.SOAK_REDIS_OUTAGE_EVERY_MS ?? 8_000);

export const OPERATOR = 'soak-operator-token';
export const VIEWER = 'soak-viewer-token';
