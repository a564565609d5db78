import {
  AlreadyInstalledError,
  BackendRejectedError,
  NotFoundError,
  NotPermittedError,
} from '../../domain/errors.ts';
import { BackendError, withVendorCode } from '../errors.ts';
import type { HttpResponse } from '../http.ts';
import { rateLimited } from '../rate-limit.ts';
import type { Scrubber } from '../scrub.ts';
import { toVendorError, unknownClientId, type VendorError } from './wire.ts';

/**
 * KorAP answers to our error tiers (vendor-apis.md §5, error table): Kustvakt's own rows and
 * OAuth2 bodies. Messages are ours, built from what we sent; the vendor's wording is never
 * quoted, and its code is kept after scrubbing.
 */

const B = 'korap';

/** What the error mapping needs to know about the call that failed. */
export interface CallContext {
  readonly operation: string;
  /** The super client the call acted in, and whether the caller (not our config) named it. */
  readonly superClient: { readonly id: string; readonly fromCaller: boolean };
  readonly clientId?: string;
  /** Our token and configured secret; `callerSecret` is what a caller sent besides. */
  readonly scrubber: Scrubber;
  readonly callerSecret: string | undefined;
}

export function mapError(res: HttpResponse, ctx: CallContext): Error {
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    body = undefined;
  }
  const vendor = toVendorError(body);
  const opts = { httpStatus: res.status, vendorCode: vendorCode(vendor, ctx) };
  const limited = rateLimited(B, 'KorAP', res, {
    operation: ctx.operation,
    vendorCode: opts.vendorCode,
  });
  if (limited) return limited;
  if (res.status >= 500) {
    return new BackendError(
      'BACKEND_UNAVAILABLE',
      B,
      withVendorCode(`KorAP ${ctx.operation} failed (HTTP ${res.status})`, opts.vendorCode),
      opts,
    );
  }
  if (!vendor) {
    if (res.status === 401 || res.status === 403) {
      return new BackendError(
        'BACKEND_AUTH_FAILED',
        B,
        `KorAP refused our access token (HTTP ${res.status})`,
        opts,
      );
    }
    return new BackendError(
      'BACKEND_BAD_RESPONSE',
      B,
      `KorAP ${ctx.operation} answered HTTP ${res.status} with an unexpected body`,
      opts,
    );
  }
  return vendor.format === 'kustvakt'
    ? kustvaktError(res.status, vendor, ctx)
    : oauthError(res.status, vendor, ctx);
}

function kustvaktError(status: number, vendor: VendorError, ctx: CallContext): Error {
  const clientId =
    ctx.clientId ?? ctx.scrubber.code(vendor.args[0], [ctx.callerSecret]) ?? '(unnamed)';
  switch (vendor.code) {
    case '1850':
      return new NotPermittedError(
        `KorAP plugin ${clientId} is not permitted by the administrators`,
        '1850',
      );
    case '1851':
      return new AlreadyInstalledError(
        `KorAP plugin ${clientId} is already installed in super client ${ctx.superClient.id}`,
        '1851',
      );
    case '114':
      return new NotFoundError('KorAP plugin installation', `${clientId}@${ctx.superClient.id}`);
    case '2010':
      return new BackendError(
        'BACKEND_AUTH_FAILED',
        B,
        `korap: our access token lacks the scope for ${ctx.operation}`,
        { httpStatus: status, vendorCode: '2010' },
      );
    case '2011':
      return new BackendError('BACKEND_AUTH_FAILED', B, 'korap rejected our access token', {
        httpStatus: status,
        vendorCode: '2011',
      });
    default:
      if (status === 401 || status === 403) {
        const code = vendorCode(vendor, ctx);
        return new BackendError(
          'BACKEND_AUTH_FAILED',
          B,
          withVendorCode(`KorAP refused ${ctx.operation}`, code),
          { httpStatus: status, vendorCode: code },
        );
      }
      return rejected(status, vendor, ctx);
  }
}

/**
 * OAuth2 bodies are about client credentials. Whose credentials decides the outcome: the
 * caller's are the caller's mistake (BackendRejectedError); ours are a configuration problem
 * (BACKEND_AUTH_FAILED). `Unknown client: X` names the super client or the plugin.
 */
function oauthError(status: number, vendor: VendorError, ctx: CallContext): Error {
  if (vendor.code === 'invalid_client' || vendor.code === 'unauthorized_client') {
    const unknown = unknownClientId(vendor.message);
    const aboutPlugin =
      unknown !== undefined && ctx.clientId !== undefined && unknown !== ctx.superClient.id;
    if (aboutPlugin) return new NotFoundError('KorAP plugin', ctx.clientId!);
    if (!ctx.superClient.fromCaller) {
      const code = vendorCode(vendor, ctx);
      return new BackendError(
        'BACKEND_AUTH_FAILED',
        B,
        withVendorCode(`KorAP refused the configured super client ${ctx.superClient.id}`, code),
        { httpStatus: status, vendorCode: code },
      );
    }
  }
  return rejected(status, vendor, ctx);
}

function rejected(status: number, vendor: VendorError, ctx: CallContext): BackendRejectedError {
  const code = vendorCode(vendor, ctx);
  return new BackendRejectedError(
    withVendorCode(`KorAP refused ${ctx.operation} (HTTP ${status})`, code),
    B,
    code,
    status,
  );
}

/** The vendor's code as we pass it on: vendor text too, so scrubbed like any. */
function vendorCode(vendor: VendorError | undefined, ctx: CallContext): string | undefined {
  return ctx.scrubber.code(vendor?.code, [ctx.callerSecret]);
}
