import type { Logger } from 'pino';
import type { BackendCallInfo } from '../backends/http.ts';

/**
 * One log line per backend HTTP attempt: backend, endpoint, vendor operation, method, status or error code,
 * duration, attempt. Never a URL, header or body (they may hold credentials or session ids).
 * Debug when the vendor answered below 500, info when it failed, so a default `info` log shows
 * what went wrong without one line per healthy call.
 */
export function logBackendCall(logger: Logger, call: BackendCallInfo): void {
  const failed = call.status === undefined || call.status >= 500;
  const level = failed ? 'info' : 'debug';
  if (!logger.isLevelEnabled(level)) return;
  logger[level](
    {
      backend: call.backend,
      endpoint: call.endpoint ?? call.backend,
      operation: call.operation,
      method: call.method,
      ...(call.status === undefined ? {} : { status: call.status }),
      ...(call.errorCode === undefined ? {} : { errorCode: call.errorCode }),
      durationMs: Math.round(call.durationMs * 1000) / 1000,
      attempt: call.attempt,
    },
    'backend call',
  );
}
