/**
 * What a vendor write went through, attempt by attempt, as http.ts sees it: the one thing a
 * launch needs to tell "the vendor refused" from "the vendor may have acted" when its call fails
 * (tasks/vendor-write.ts judges; clients pass the witness on in `HttpRequest.write`).
 */
export interface WriteWitness {
  /** An answer came, with this status (its body may still fail to arrive or to parse). */
  answered(status: number): void;
  /** The exchange failed after the request may have reached the vendor: its outcome is unknown. */
  lost(): void;
}

/**
 * Failures that happen before any byte of the request leaves: nobody was reached (refused, no
 * such host, no route, the connect timed out, the TLS handshake failed). Errno codes from
 * `net`/`dns`/`tls` as undici 7 passes them on; undici's own connect timeout. Everything else
 * (a reset or closed socket, a headers or body timeout, our deadline's abort) may come after the
 * vendor read the request: unknown, on purpose, since guessing "not sent" could send a write twice.
 */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);

/** Whether a transport failure happened before the request was sent (nothing reached the vendor). */
export function failedBeforeSending(err: unknown): boolean {
  const code = errorCode(err);
  if (code === undefined) return false;
  return NOT_SENT_CODES.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_');
}

/** Tells the witness, if any, how a transport failure ended its attempt. */
export function witnessFailure(write: WriteWitness | undefined, err: unknown): void {
  if (write && !failedBeforeSending(err)) write.lost();
}

function errorCode(err: unknown, depth = 0): string | undefined {
  if (typeof err !== 'object' || err === null || depth > 4) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  const cause = (err as { cause?: unknown }).cause;
  return cause === undefined || cause === err ? undefined : errorCode(cause, depth + 1);
}
