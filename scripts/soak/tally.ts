/** What every scenario counts, and the tasks callers were given: the report is built from these. */

export const counts = {
  requests: 0,
  byOperation: new Map<string, number>(),
  errorsByCode: new Map<string, number>(),
  outcomes: new Map<string, number>(),
  http: new Map<number, number>(),
  subscriptions: { opened: 0, completed: 0, shuttingDown: 0, failed: 0 },
  faults: new Map<string, number>(),
  /** Mutations answered with a task kept OUTCOME_UNKNOWN (the write's answer was lost). */
  outcomeUnknown: 0,
};

/** Every task id a mutation answered with (or pointed at through a ConflictError). */
export const tasks = new Set<string>();

export const bump = <K>(map: Map<K, number>, key: K, by = 1) =>
  map.set(key, (map.get(key) ?? 0) + by);
export const pick = <T>(items: readonly T[]): T =>
  items[Math.floor(Math.random() * items.length)] as T;
/** A count map as an object, largest first, for the report. */
export const sorted = (m: Map<string | number, number>) =>
  Object.fromEntries([...m].sort((x, y) => y[1] - x[1]));
