import type { BackendName } from '../domain/backend.ts';
import { BackendError, withVendorCode } from './errors.ts';
import { header } from './http-parts.ts';
import { retryAfterMs } from './retry-after.ts';

/** What a 429 answer is read from (http.ts's HttpResponse, without importing it). */
interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/**
 * HTTP 429 (RFC 6585): the vendor did not take the request on and asks for fewer of them. It is
 * neither the vendor refusing what was asked (BackendRejectedError, BAD_USER_INPUT-like) nor an
 * answer we cannot read, whatever its body: BACKEND_UNAVAILABLE, as any vendor saying "not
 * now". A read reaches here only once http.ts stopped retrying: its attempts spent, or the
 * vendor's Retry-After past the deadline (or over its bound), which the message then names so
 * an operator sees how long the vendor wants. Undefined for any other status.
 */
export function rateLimited(
  backend: BackendName,
  vendor: string,
  res: Answer,
  about: { readonly operation?: string | undefined; readonly vendorCode?: string | undefined } = {},
): BackendError | undefined {
  if (res.status !== 429) return undefined;
  const { operation, vendorCode } = about;
  const wait = retryAfterMs(header(res, 'retry-after'));
  const asked = wait === undefined ? '' : ` and asked for a wait of ${Math.ceil(wait / 1_000)} s`;
  const sentence = `${vendor} is limiting our request rate: ${operation ?? 'it'} answered HTTP 429${asked}`;
  return new BackendError('BACKEND_UNAVAILABLE', backend, withVendorCode(sentence, vendorCode), {
    vendorCode,
    httpStatus: 429,
  });
}
