import type { z } from 'zod';
import type { BackendName } from '../domain/backend.ts';
import { badResponse } from './errors.ts';
import type { HttpResponse } from './http.ts';

/**
 * Decode a vendor body (`decode` throws on a malformed one) and check it with its zod schema;
 * anything else is BACKEND_BAD_RESPONSE, and counts against the vendor's breaker: an answer
 * nobody can use (an HTML page, a cut body, a field past its wire.ts bound) is a failed exchange.
 */
export function parseBody<T extends z.ZodType>(
  backend: BackendName,
  res: HttpResponse,
  decode: (body: string) => unknown,
  schema: T,
  what: string,
): z.output<T> {
  let data: unknown;
  try {
    data = decode(res.body);
  } catch (err) {
    res.unusable?.();
    throw badResponse(backend, what, err);
  }
  const result = schema.safeParse(data);
  if (!result.success) {
    res.unusable?.();
    throw badResponse(backend, what, result.error);
  }
  return result.data;
}

/** Parse a vendor JSON body with its zod schema; anything else is BACKEND_BAD_RESPONSE. */
export function parseJson<T extends z.ZodType>(
  backend: BackendName,
  res: HttpResponse,
  schema: T,
  what: string,
): z.output<T> {
  return parseBody(backend, res, JSON.parse, schema, what);
}

/** Like parseJson but for error bodies: a body that does not match is simply absent. */
export function tryParseJson<T extends z.ZodType>(
  body: string,
  schema: T,
): z.output<T> | undefined {
  try {
    const result = schema.safeParse(JSON.parse(body));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}
