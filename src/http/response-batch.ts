/**
 * Answers finished in one turn of the event loop, written to their sockets together at the end of
 * that turn (setImmediate), not one by one as each is ready.
 *
 * Why: a write to a client that sleeps in epoll costs the writer the client's wake-up (on
 * loopback, where a proxy or sidecar often sits, the kernel runs it inside our writev). When
 * twenty answers leave one by one between the parsing of the next requests, each write wakes
 * the client again; written back to back, the first wakes it and the rest find it running, and
 * its next requests come back together too. Under section 1's load this took server CPU per
 * request from 209 to 140 µs (medians; bench/PROFILING.md, "Answers written per turn").
 *
 * What it costs a caller: an answer waits for the other requests handled in the same turn. Alone
 * (the unsaturated case) that is nothing; under a burst the wait is bounded: once the oldest
 * queued answer has waited `maxHoldMs`, the next answer to arrive flushes all at once.
 */
export class ResponseBatch {
  private queued: (() => void)[] = [];
  private firstQueuedAt = 0;

  constructor(
    private readonly report: (err: unknown) => void,
    private readonly maxHoldMs = 1,
    private readonly now: () => number = () => performance.now(),
    private readonly later: (flush: () => void) => void = setImmediate,
  ) {}

  /** `write` runs at the end of this turn of the event loop, or now if the batch is old. */
  add(write: () => void): void {
    this.queued.push(write);
    if (this.queued.length === 1) {
      this.firstQueuedAt = this.now();
      this.later(() => this.flush());
    } else if (this.now() - this.firstQueuedAt >= this.maxHoldMs) {
      this.flush();
    }
  }

  /** Writes every queued answer in arrival order (pipelined answers on one socket stay in order). */
  private flush(): void {
    const writes = this.queued;
    if (writes.length === 0) return; // flushed early; this is the turn's scheduled call
    this.queued = [];
    for (const write of writes) {
      try {
        write();
      } catch (err) {
        this.report(err);
      }
    }
  }
}
