import { DomainError } from '../domain/errors.ts';
import type { TaskPollSpec } from './types.ts';

/**
 * A launch's vendor write, as the launcher judges it when the call fails: did the vendor refuse
 * it, or may it have acted? The client hands this object to http.ts with its write request
 * (`HttpRequest.write`), which tells it how each attempt ended; and, before sending, the client
 * says how the vendor's state will show what became of the write (`reconcileBy`).
 *
 * Only the write's own request is witnessed: a login before it (or a read to resolve its targets)
 * that fails means the write was never sent, whatever that failure was.
 */
export class VendorWrite {
  private spec: TaskPollSpec | undefined;
  private status: number | undefined;
  private cut = false;

  /**
   * How to find out from the vendor whether the write acted, should its answer be lost: a poll
   * kind the client registers (unqualified; the launcher adds the endpoint) and its params.
   */
  reconcileBy(spec: TaskPollSpec): void {
    this.spec = spec;
  }

  get reconcile(): TaskPollSpec | undefined {
    return this.spec;
  }

  /** http.ts: an answer came with this status. A later attempt (after a re-login) overrides it. */
  answered(status: number): void {
    this.status = status;
  }

  /** http.ts: an attempt failed after its request may have reached the vendor. */
  lost(): void {
    this.cut = true;
  }

  /**
   * Whether the vendor may have acted although the call failed with `err`. No: nothing was sent
   * (connection refused, no such host, TLS, breaker open, our own validation), or the vendor
   * answered a refusal: a 4xx, a 503 (it did not take the request on), or a 5xx in which the
   * client read a refusal (a DomainError: ZStack's error object). Yes: an attempt was cut off or
   * never answered after it was sent, the vendor accepted it (2xx) and what failed came after
   * (an HTML page, a body without the task id), or any other 5xx, which says nothing of what
   * was done.
   */
  mayHaveActed(err: unknown): boolean {
    if (this.cut) return true;
    const status = this.status;
    if (status === undefined) return false;
    if (status < 400) return true;
    if (status < 500 || status === 503) return false;
    return !(err instanceof DomainError);
  }

  /** Why the outcome is unknown, for the task's message (ours: no vendor text). */
  why(): string {
    if (this.cut) return 'its answer was lost (none came in time, or the connection was cut)';
    if (this.status !== undefined && this.status < 400) {
      return `it answered HTTP ${this.status} but not in a form we could read`;
    }
    return `it answered HTTP ${this.status ?? 'nothing'}, which does not say whether it acted`;
  }
}
