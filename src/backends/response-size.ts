import type { BackendName } from '../domain/backend.ts';
import { BackendError } from './errors.ts';

/**
 * BACKEND_MAX_RESPONSE_BYTES (SPEC §2): the most one vendor answer may weigh. One HSS list of
 * 40 MB once took the process past its heap; a whole answer is held in memory, then parsed, so
 * the cap bounds both. 16 MiB is far above any real answer (a 10,000-host HSS status page of
 * 200 rows is ~100 KB; the SDM list of a large estate a few MB).
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

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
