/**
 * The task store did not answer in time or refused the connection (Redis down, hung or
 * unreachable). The field that needed it fails with `extensions.code` STORE_UNAVAILABLE;
 * nothing else is affected, and a launch that meets it sends nothing to the vendor. Thrown by
 * every store on a connection of this folder (tasks, audit trail; SQLite or Redis), hence here.
 */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  readonly code = 'STORE_UNAVAILABLE';
  constructor(options?: { cause?: unknown }) {
    super('The task store is unavailable; try again shortly', options);
  }
}
