import type { RolloutChange, RolloutHeader, RolloutUnit } from './types.ts';

const DATES = new Set(['createdAt', 'updatedAt', 'startedAt', 'completedAt']);

const revive = (key: string, value: unknown): unknown =>
  DATES.has(key) && typeof value === 'string' ? new Date(value) : value;

/**
 * A header, unit or change as JSON (SQLite rows, Redis values and messages), its Dates revived
 * on the way back. Only this program writes them, so they are trusted as its own types.
 */
export const rolloutCodec = {
  stringify: (value: RolloutHeader | RolloutUnit | RolloutChange): string => JSON.stringify(value),
  header: (text: string): RolloutHeader => JSON.parse(text, revive) as RolloutHeader,
  unit: (text: string): RolloutUnit => JSON.parse(text) as RolloutUnit,
  /** For pub/sub (any message on a rollout channel: a change or an id). */
  parse: (text: string): unknown => JSON.parse(text, revive),
};
