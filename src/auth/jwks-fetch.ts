import type { JSONWebKeySet } from 'jose';
import { z } from 'zod';

/**
 * Reading the IdP's documents for JWT sign-in (jwt.ts): the OIDC discovery document and the
 * key set (JWKS), each read whole only if it is small, within the deadline `signal` carries.
 * An IdP, or whoever answers in its name, cannot make us buffer megabytes or wait forever.
 */

/** A JWKS holds a few keys (a few KB); Entra ID's, among the largest, is about 10 KB. */
export const MAX_JWKS_BYTES = 512 * 1024;
/** Discovery documents are a few KB (Keycloak's about 6 KB). */
export const MAX_DISCOVERY_BYTES = 64 * 1024;
/**
 * Keys one JWKS may hold: a token without `kid` is tried against every key of its algorithm,
 * one signature check each.
 */
export const MAX_JWKS_KEYS = 100;

/** The discovery document or the JWKS could not be read; the message names which and why. */
export class KeyFetchError extends Error {
  readonly code = 'JWKS_FETCH_FAILED';
  override readonly name = 'KeyFetchError';
}

const discoverySchema = z.object({ issuer: z.string(), jwks_uri: z.url() });
// jose checks each key's shape when it imports it; this bounds the set and its members' kind.
const jwksSchema = z.object({
  keys: z.array(z.looseObject({ kty: z.string() })).max(MAX_JWKS_KEYS),
});

/** The issuer's `jwks_uri`, from `<issuer>/.well-known/openid-configuration`. */
export async function discoverJwksUri(issuer: string, signal: AbortSignal): Promise<string> {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  const doc = discoverySchema.safeParse(
    await readJson(url, 'OIDC discovery', MAX_DISCOVERY_BYTES, signal),
  );
  if (!doc.success) throw new KeyFetchError(`OIDC discovery at ${url}: no valid jwks_uri`);
  return doc.data.jwks_uri;
}

export async function fetchJwks(url: string, signal: AbortSignal): Promise<JSONWebKeySet> {
  const jwks = jwksSchema.safeParse(await readJson(url, 'JWKS', MAX_JWKS_BYTES, signal));
  if (!jwks.success)
    throw new KeyFetchError(`JWKS at ${url}: not a key set of at most ${MAX_JWKS_KEYS} keys`);
  return jwks.data as JSONWebKeySet;
}

/** A JSON document of at most `maxBytes`: reading stops (and the connection closes) past it. */
async function readJson(
  url: string,
  what: string,
  maxBytes: number,
  signal: AbortSignal,
): Promise<unknown> {
  const bytes = await readCapped(url, what, maxBytes, signal).catch((err: unknown) => {
    if (err instanceof KeyFetchError) throw err;
    if (signal.aborted) throw new KeyFetchError(`${what} at ${url}: no answer in time`);
    throw new KeyFetchError(`${what} at ${url}: ${String(err)}`);
  });
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
  } catch {
    throw new KeyFetchError(`${what} at ${url}: not JSON`);
  }
}

async function readCapped(
  url: string,
  what: string,
  maxBytes: number,
  signal: AbortSignal,
): Promise<Uint8Array> {
  const res = await fetch(url, {
    signal,
    redirect: 'error',
    headers: { accept: 'application/json' },
  });
  const tooLarge = () => new KeyFetchError(`${what} at ${url}: larger than ${maxBytes} bytes`);
  if (res.status !== 200) {
    await res.body?.cancel();
    throw new KeyFetchError(`${what} at ${url} answered ${res.status}`);
  }
  if (Number(res.headers.get('content-length')) > maxBytes) {
    await res.body?.cancel();
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body?.getReader();
  for (;;) {
    const chunk = await reader?.read();
    if (chunk === undefined || chunk.done) break;
    size += chunk.value.byteLength;
    if (size > maxBytes) {
      // Cancelling the body closes the connection: the rest is never received.
      await reader?.cancel();
      throw tooLarge();
    }
    chunks.push(chunk.value);
  }
  return Buffer.concat(chunks);
}
