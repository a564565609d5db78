/** Vendor-native task polls in flight at once per endpoint: the rest wait for a slot. */
export const MAX_CONCURRENT_POLLS_PER_ENDPOINT = 8;

/**
 * At most `limit` pieces of work at a time per key (an endpoint), the rest queued in order, so a
 * thousand live appliance tasks do not become a thousand concurrent requests to one appliance;
 * a queued poll waits for the next free slot and is never dropped.
 */
export class PollLimit {
  private readonly active = new Map<string, number>();
  private readonly waiting = new Map<string, (() => void)[]>();

  constructor(private readonly limit: number = MAX_CONCURRENT_POLLS_PER_ENDPOINT) {}

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    await this.acquire(key);
    try {
      return await work();
    } finally {
      this.release(key);
    }
  }

  private acquire(key: string): Promise<void> {
    const active = this.active.get(key) ?? 0;
    if (active < this.limit) {
      this.active.set(key, active + 1);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const queue = this.waiting.get(key) ?? [];
      queue.push(resolve);
      this.waiting.set(key, queue);
    });
  }

  /** Hands the slot straight to the next waiter, or frees it. */
  private release(key: string): void {
    const queue = this.waiting.get(key);
    const next = queue?.shift();
    if (queue?.length === 0) this.waiting.delete(key);
    if (next) {
      next();
      return;
    }
    const active = (this.active.get(key) ?? 1) - 1;
    if (active > 0) this.active.set(key, active);
    else this.active.delete(key);
  }
}
