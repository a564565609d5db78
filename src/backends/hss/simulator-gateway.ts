import { randomUUID } from 'node:crypto';
import { json } from '../simulator/router.ts';
import type { SimRequest, SimResponse } from '../simulator/server.ts';
import { queryFromSearchParams, verify } from './signing.ts';

/**
 * Huawei's API gateway in front of the simulated HSS: its two auth modes (AK/SK signatures
 * checked exactly as the gateway does, IAM tokens that can expire) and HSS's error bodies, with
 * the gateway's `APIGW.*` codes and wording (vendor-apis.md §3).
 */

export function hssError(status: number, code: string, msg: string): SimResponse {
  return json(status, { error_code: code, error_msg: msg }, { 'x-request-id': randomUUID() });
}

export const gatewayErrors = {
  noAuth: () =>
    hssError(
      401,
      'APIGW.0301',
      'Incorrect IAM authentication information: Authorization not found',
    ),
  badToken: () =>
    hssError(401, 'APIGW.0301', 'Incorrect IAM authentication information: verify token failed'),
  expiredToken: () => hssError(401, 'APIGW.0307', 'The token must be updated.'),
  badSignature: (reason: string) =>
    hssError(
      401,
      'APIGW.0303',
      `Incorrect IAM authentication information: verify aksk signature fail, ${reason}`,
    ),
  noApi: () =>
    hssError(
      404,
      'APIGW.0101',
      'The API does not exist or has not been published in the environment',
    ),
};

/**
 * The longest request URL (path and query) the simulated gateway accepts. Huawei does not publish
 * its limit; 8 KiB is the common gateway default (nginx `large_client_header_buffers`, Envoy's
 * 8 KiB path headers), so a client that fits here fits behind most real gateways.
 */
export const GATEWAY_MAX_URL_BYTES = 8 * 1024;

/** The request line's URL as the gateway saw it: what GATEWAY_MAX_URL_BYTES limits. */
export function requestUrl(req: Pick<SimRequest, 'path' | 'query'>): string {
  const query = req.query.toString();
  return query === '' ? req.path : `${req.path}?${query}`;
}

/** What a gateway answers to a request line over its limit: 431 before any auth, no HSS body. */
export function urlTooLong(): SimResponse {
  return {
    status: 431,
    headers: { 'content-type': 'text/html' },
    body: '<html><body><h1>431 Request Header Fields Too Large</h1></body></html>',
  };
}

export const invalid = (what: string) => hssError(400, 'HSS.0001', `Invalid parameter: ${what}`);

/** What the gateway accepts right now. */
export interface GatewayCredentials {
  readonly auth: 'aksk' | 'token' | 'both';
  readonly accessKey: string;
  readonly secretKey: string;
  readonly token: string;
  readonly tokenExpired: boolean;
  /** The gateway's clock (epoch ms), for the X-Sdk-Date check. */
  readonly now: () => number;
}

/** The gateway's refusal of a request, or undefined when its token or signature is good. */
export function authenticate(req: SimRequest, creds: GatewayCredentials): SimResponse | undefined {
  const token = headerValue(req, 'x-auth-token');
  if (token !== undefined && creds.auth !== 'aksk') {
    if (token !== creds.token) return gatewayErrors.badToken();
    return creds.tokenExpired ? gatewayErrors.expiredToken() : undefined;
  }
  const authorization = headerValue(req, 'authorization');
  if (authorization !== undefined && creds.auth !== 'token') {
    const result = verify({
      request: {
        method: req.method,
        path: req.path,
        query: queryFromSearchParams(req.query),
        headers: flatHeaders(req),
        body: req.body,
      },
      authorization,
      secretFor: (ak) => (ak === creds.accessKey ? creds.secretKey : undefined),
      now: creds.now(),
    });
    return result.ok ? undefined : gatewayErrors.badSignature(result.reason);
  }
  return gatewayErrors.noAuth();
}

export function newToken(): string {
  // Real IAM tokens are long opaque strings starting MII...; the shape does not matter here.
  return `MIIsim${randomUUID().replace(/-/g, '')}${randomUUID().replace(/-/g, '')}`;
}

function headerValue(req: SimRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function flatHeaders(req: SimRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(',') : v;
  }
  return out;
}
