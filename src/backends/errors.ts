import type { BackendName } from '../domain/backend.ts';

/**
 * SPEC §5 infrastructure codes: the failing field gets a GraphQL error with this code. Plus
 * `BACKEND_UNSAFE_PATH`: a request refused by http.ts before it was sent, because its path had
 * an empty, `.` or `..` segment (an id that slipped past its vendor grammar; never the caller's
 * fault alone, and nothing reached the vendor).
 */
export type BackendErrorCode =
  | 'BACKEND_NOT_CONFIGURED'
  | 'BACKEND_UNAVAILABLE'
  | 'BACKEND_TIMEOUT'
  | 'BACKEND_BAD_RESPONSE'
  | 'BACKEND_AUTH_FAILED'
  | 'BACKEND_CIRCUIT_OPEN'
  | 'BACKEND_UNSAFE_PATH'
  /** Not an error of the call: an inventory snapshot older than INVENTORY_MAX_STALE_MS answered. */
  | 'BACKEND_STALE';

export interface BackendErrorOptions {
  readonly vendorCode?: string | undefined;
  readonly httpStatus?: number | undefined;
  readonly cause?: unknown;
}

/**
 * The one error type of the backend layer. Its message is written by us for operators and must
 * never contain a credential, session id, full vendor URL or the vendor's wording: it reaches
 * clients as is. The vendor's code goes in `vendorCode`, scrubbed (scrub.ts).
 */
export class BackendError extends Error {
  override readonly name = 'BackendError';
  readonly vendorCode: string | undefined;
  readonly httpStatus: number | undefined;

  constructor(
    readonly code: BackendErrorCode,
    readonly backend: BackendName,
    message: string,
    options: BackendErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.vendorCode = options.vendorCode;
    this.httpStatus = options.httpStatus;
  }
}

export function notConfigured(backend: BackendName): BackendError {
  return new BackendError(
    'BACKEND_NOT_CONFIGURED',
    backend,
    `Backend ${backend} is not configured (set ${backend.toUpperCase()}_URL)`,
  );
}

/** A vendor body that failed its zod schema or could not be parsed at all. */
export function badResponse(backend: BackendName, what: string, cause?: unknown): BackendError {
  return new BackendError(
    'BACKEND_BAD_RESPONSE',
    backend,
    `${backend} sent an unexpected ${what}`,
    {
      cause,
    },
  );
}

/**
 * Our sentence for what a vendor said, naming its code when it gave one: the message of an error
 * that came from a vendor answer is always ours, its wording stays with the vendor (SPEC §5).
 */
export function withVendorCode(sentence: string, vendorCode: string | undefined): string {
  return vendorCode === undefined ? `${sentence}.` : `${sentence} (code ${vendorCode}).`;
}
