import type { z } from 'zod';
import { BackendRejectedError } from '../../domain/errors.ts';
import { BackendError } from '../errors.ts';
import type { HttpResponse } from '../http.ts';
import { parseBody } from '../parse.ts';
import { rateLimited } from '../rate-limit.ts';
import { parseXml } from './wire.ts';

/**
 * What SDM's answers mean: the session cookie of a login, an XML body checked against its zod
 * shape, and a status turned into our error tiers (SPEC §5).
 */

/** The JSESSIONID a login answer set, if any. */
export function sessionCookie(res: HttpResponse): string | undefined {
  const raw = res.headers['set-cookie'];
  const cookies = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  for (const cookie of cookies) {
    const match = /(?:^|;\s*)JSESSIONID=([^;]+)/.exec(cookie);
    if (match?.[1]) return match[1];
  }
  return undefined;
}

/** XML body -> zod-checked shape; anything else is BACKEND_BAD_RESPONSE. */
export function readXml<T extends z.ZodType>(
  res: HttpResponse,
  schema: T,
  what: string,
): z.output<T> {
  return parseBody('sdm', res, parseXml, schema, what);
}

/**
 * SDM errors are a status code and nothing else (its bodies are undocumented and opaque), so
 * the status is the vendor code we keep.
 */
export function failure(res: HttpResponse, operation: string): Error {
  const options = { vendorCode: String(res.status), httpStatus: res.status };
  const limited = rateLimited('sdm', 'SDM', res, { operation });
  if (limited) return limited;
  if (res.status === 401) {
    return new BackendError('BACKEND_AUTH_FAILED', 'sdm', 'SDM refused our session', options);
  }
  if (res.status === 403) {
    return new BackendError('BACKEND_AUTH_FAILED', 'sdm', 'The SDM user lacks permission', options);
  }
  if (res.status >= 400 && res.status < 500) {
    return new BackendRejectedError(
      `SDM rejected ${operation} (HTTP ${res.status})`,
      'sdm',
      options.vendorCode,
      res.status,
    );
  }
  if (res.status >= 500) {
    return new BackendError(
      'BACKEND_UNAVAILABLE',
      'sdm',
      `SDM failed (HTTP ${res.status})`,
      options,
    );
  }
  return new BackendError(
    'BACKEND_BAD_RESPONSE',
    'sdm',
    `SDM answered an unexpected ${res.status}`,
    options,
  );
}
