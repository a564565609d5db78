import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { StoreProblem } from './readiness.ts';
import type { StoreDeadline } from './redis-deadline.ts';
import { redisErrorForLog } from './redis-error.ts';

/**
 * What Redis keeps across its own restart. Without AOF or RDB save points a restart empties it:
 * every task id callers were given answers `null`, locks and the audit trail are gone.
 */
export type RedisPersistence =
  /** `appendonly yes` and/or RDB save points (`save` is Redis' own text, '' for none). */
  | { readonly durable: true; readonly appendonly: string; readonly save: string }
  | { readonly durable: false; readonly appendonly: string; readonly save: string }
  /** CONFIG GET refused (managed Redis, an ACL without it) and INFO showing no AOF. */
  | { readonly durable: undefined; readonly refused: unknown };

/** `CONFIG GET name` answers `[name, value]`. */
const configReply = z.tuple([z.string(), z.string().max(4_096)]);

/** Reads `appendonly` and `save` (CONFIG GET); where CONFIG is refused, AOF from INFO. */
export async function checkPersistence(
  redis: Redis,
  deadline: StoreDeadline,
): Promise<RedisPersistence> {
  try {
    const get = async (name: string) =>
      configReply.parse(await deadline.run(() => redis.config('GET', name)))[1];
    const appendonly = await get('appendonly');
    const save = (await get('save')).trim();
    return { durable: appendonly === 'yes' || save !== '', appendonly, save };
  } catch (refused) {
    // INFO says whether AOF is on, but not whether RDB save points are set.
    const info = await deadline.run(() => redis.info('persistence')).catch(() => '');
    if (/^aof_enabled:1\r?$/m.test(info)) return { durable: true, appendonly: 'yes', save: '?' };
    return { durable: undefined, refused };
  }
}

/**
 * Whether Redis takes a write now. A PING is answered while every write is refused (maxmemory
 * reached with noeviction: OOM; a failing RDB save: MISCONF; a replica: READONLY), so the
 * check is a write: one key, expiring by itself.
 */
export async function writeProblem(
  redis: Redis,
  deadline: StoreDeadline,
  key: string,
): Promise<StoreProblem | undefined> {
  try {
    await deadline.run(() => redis.set(key, '1', 'PX', 60_000));
    return undefined;
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    // Redis answered with an error: reachable, but refusing writes. Its first word names why.
    if (cause instanceof Error && cause.name === 'ReplyError') {
      const word = /^[A-Z]+/.exec(cause.message)?.[0] ?? 'ERR';
      return { store: 'redis', code: 'STORE_WRITE_FAILED', reason: `writes refused: ${word}` };
    }
    return { store: 'redis', code: 'STORE_UNAVAILABLE' };
  }
}

/**
 * One line at start-up: a warning when a Redis restart would lose the tasks (or when that could
 * not be read), else what keeps them (docs/operations.md, "Redis durability").
 */
export function logPersistence(logger: Logger, persistence: RedisPersistence): void {
  if (persistence.durable === undefined) {
    logger.warn(
      { err: redisErrorForLog(persistence.refused) },
      'Redis persistence could not be checked (CONFIG GET refused, AOF off or unknown): unless Redis has appendonly yes or RDB save points, a Redis restart loses every task, lock and audit entry',
    );
    return;
  }
  const { appendonly, save } = persistence;
  if (!persistence.durable) {
    logger.warn(
      { appendonly, save },
      'Redis persists nothing (appendonly no, save ""): a Redis restart loses every task, lock and audit entry; set appendonly yes (docs/operations.md, "Redis durability")',
    );
    return;
  }
  logger.info(
    { appendonly, save },
    appendonly === 'yes'
      ? 'Redis persistence: append-only file on'
      : 'Redis persistence: RDB snapshots only; a Redis crash loses what changed since the last one',
  );
}
