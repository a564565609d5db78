/**
 * What one client may hold on the connections that carry many operations (a graphql-ws
 * WebSocket, a graphql-sse single-connection stream) and before it has authenticated: bounds per
 * connection, per client address and per caller, each under a global ceiling far above one
 * client's share, so that one client filling its share leaves room for everyone else. The
 * docs/security.md lists them.
 */
export const CONNECTION_LIMITS = {
  /**
   * Operations in flight on one WebSocket or one single-connection SSE stream, subscriptions
   * included: the 100 subscriptions a caller may hold by default (MAX_SUBSCRIPTIONS_PER_CALLER)
   * and as many queries at once. Each holds its context and its result until the client reads.
   */
  maxOperationsPerConnection: 200,
  /**
   * Bytes waiting for a slow reader on one WebSocket or one single-connection SSE stream (past
   * what the kernel holds): a client that sends operations and never reads their answers would
   * otherwise grow the server by every answer.
   */
  maxBufferedBytes: 4 * 1_048_576,
  /**
   * WebSockets open at once that have not authenticated yet from one client address (IPv6: one
   * /64), under WS_MAX_UNAUTHENTICATED for all addresses together.
   */
  maxUnauthenticatedPerAddress: 10,
  /** graphql-sse streams reserved (PUT) and not opened yet by one caller. */
  maxReservationsPerCaller: 100,
  /** graphql-sse streams reserved and not opened yet, every caller together. */
  maxReservations: 10_000,
} as const;

/**
 * WebSocket close codes for a limit, in graphql-ws' style (44xx mirrors the HTTP status, as its
 * own 4400, 4403, 4408, 4429 do): graphql-ws' client treats 4429 as fatal (it does not retry a
 * client that ran too much at once), 1013 (Try Again Later) as worth a retry (a reader that was
 * slow for a while may keep up on a new connection).
 */
export const CLOSE_TOO_MANY_OPERATIONS = 4429;
export const CLOSE_SLOW_READER = 1013;
