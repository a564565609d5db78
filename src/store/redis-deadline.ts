import type { Redis } from 'ioredis';
import { StoreUnavailableError } from './errors.ts';

/**
 * The deadline of every call on one connection. Commands are not queued while the connection is
 * down (ioredis' offline queue would hold them for ~9 s, or without bound before the first
 * connection, and send stale writes once it is back): a call waits for the connection at most
 * until its deadline, then fails with StoreUnavailableError, like a call Redis does not answer.
 */
export class StoreDeadline {
  private ready: Promise<void> | undefined;

  constructor(
    private readonly redis: Redis,
    readonly ms: number,
  ) {}

  async run<T>(call: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Redis did not answer within ${this.ms} ms`)),
        this.ms,
      );
    });
    try {
      if (this.redis.status !== 'ready') await Promise.race([this.connected(), expired]);
      return await Promise.race([call(), expired]);
    } catch (err) {
      throw err instanceof StoreUnavailableError ? err : new StoreUnavailableError({ cause: err });
    } finally {
      clearTimeout(timer);
    }
  }

  /** One listener however many calls wait (an outage would otherwise pile them up). */
  private connected(): Promise<void> {
    this.ready ??= new Promise<void>((resolve) =>
      this.redis.once('ready', () => {
        this.ready = undefined;
        resolve();
      }),
    );
    return this.ready;
  }
}
