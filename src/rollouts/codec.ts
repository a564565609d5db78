import type { RolloutHeader, RolloutUnit } from './types.ts';

const DATES = new Set(['createdAt', 'updatedAt', 'startedAt', 'completedAt']);

/** A header or unit as JSON (SQLite rows, Redis values), its Dates revived on the way back. */
export const rolloutCodec = {
  stringify: (value: RolloutHeader | RolloutUnit): string => JSON.stringify(value),
  header: (text: string): RolloutHeader =>
    JSON.parse(text, (key, value) =>
      DATES.has(key) && typeof value === 'string' ? new Date(value) : value,
    ) as RolloutHeader,
  unit: (text: string): RolloutUnit => JSON.parse(text) as RolloutUnit,
};
