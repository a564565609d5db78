import type { BackendName } from '../domain/backend.ts';
import { BackendError } from './errors.ts';

/**
 * undici's code when a body passes the pool's `maxResponseSize`: it has destroyed the socket as
 * the chunk that crossed the line arrived, so nothing more is read (lib/dispatcher/client-h1.js).
 */
const EXCEEDED = 'UND_ERR_RES_EXCEEDED_MAX_SIZE';

/** Whether an answer's own Content-Length already says it is over the cap. */
export function declaredOver(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  maxBytes: number,
): boolean {
  const raw = headers['content-length'];
  const declared = Number(Array.isArray(raw) ? raw[0] : raw);
  return Number.isFinite(declared) && declared > maxBytes;
}

export function tooLarge(backend: BackendName, maxBytes: number): BackendError {
  return new BackendError(
    'BACKEND_BAD_RESPONSE',
    backend,
    `${backend} sent an answer over ${maxBytes} bytes (BACKEND_MAX_RESPONSE_BYTES); it was not read`,
  );
}

/** The BackendError for an answer refused for its size (ours, or undici's cut), else undefined. */
export function oversize(
  err: unknown,
  backend: BackendName,
  maxBytes: number,
): BackendError | undefined {
  if (err instanceof BackendError) return err.code === 'BACKEND_BAD_RESPONSE' ? err : undefined;
  return (err as { code?: unknown } | null)?.code === EXCEEDED
    ? tooLarge(backend, maxBytes)
    : undefined;
}
