import type { HssConfig } from '../../config/index.ts';
import { BackendRejectedError, DomainError } from '../../domain/errors.ts';
import { BackendError, withVendorCode } from '../errors.ts';
import type { HttpResponse } from '../http.ts';
import { tryParseJson } from '../parse.ts';
import { rateLimited } from '../rate-limit.ts';
import type { Scrubber } from '../scrub.ts';
import { errorSchema } from './wire.ts';

/**
 * HSS answers to our error tiers (SPEC §5, vendor-apis.md §3): the API gateway's `APIGW.*`
 * refusals of our credentials, HSS's own `HSS.*` refusals of a request, outages. Messages are
 * ours; the vendor's code is kept, scrubbed.
 */

type AuthMode = HssConfig['auth']['mode'];

/** Vendor status + body -> our error. */
export function hssFailure(
  res: HttpResponse,
  operation: string,
  scrubber: Scrubber,
  authMode: AuthMode,
): Error {
  const err = tryParseJson(res.body, errorSchema);
  const vendorCode = scrubber.code(err?.error_code);
  const meta = { vendorCode, httpStatus: res.status };
  const gateway = err?.error_code.startsWith('APIGW.') ?? false;
  const limited = rateLimited('hss', 'HSS', res, { operation, vendorCode });
  if (limited) return limited;
  if (res.status === 401 || (res.status === 403 && gateway)) {
    return new BackendError('BACKEND_AUTH_FAILED', 'hss', authAdvice(authMode, vendorCode), meta);
  }
  if (res.status >= 500 || res.status === 429) {
    return new BackendError(
      'BACKEND_UNAVAILABLE',
      'hss',
      withVendorCode(`HSS ${operation} failed with HTTP ${res.status}`, vendorCode),
      meta,
    );
  }
  if (res.status >= 400 && res.status < 500 && err) {
    return new BackendRejectedError(
      withVendorCode(`HSS refused ${operation}`, vendorCode),
      'hss',
      vendorCode,
      res.status,
    );
  }
  return new BackendError(
    'BACKEND_BAD_RESPONSE',
    'hss',
    `HSS ${operation} answered HTTP ${res.status} without an HSS error body`,
    meta,
  );
}

function authAdvice(authMode: AuthMode, vendorCode: string | undefined): string {
  const code = vendorCode ? ` (${vendorCode})` : '';
  if (authMode === 'token') {
    return `HSS refused the IAM token${code}: IAM tokens expire after 24 hours; renew HSS_AUTH_TOKEN or switch to AK/SK signing (HSS_ACCESS_KEY, HSS_SECRET_KEY)`;
  }
  return `HSS refused the AK/SK signature${code}: check HSS_ACCESS_KEY, HSS_SECRET_KEY and this server's clock`;
}

/** ping() reports infrastructure only: a vendor "no" there means our credentials or scope are wrong. */
export function asInfrastructure(err: unknown): unknown {
  if (!(err instanceof DomainError)) return err;
  const vendorCode = err instanceof BackendRejectedError ? err.vendorCode : undefined;
  const httpStatus = err instanceof BackendRejectedError ? err.httpStatus : undefined;
  const denied = httpStatus === 401 || httpStatus === 403;
  return new BackendError(
    denied ? 'BACKEND_AUTH_FAILED' : 'BACKEND_BAD_RESPONSE',
    'hss',
    `hss refused the readiness check${vendorCode ? ` (${vendorCode})` : ''}: ${err.message}`,
    { vendorCode, httpStatus, cause: err },
  );
}
