import type { YogaLogger } from 'graphql-yoga';
import { type Logger, type LoggerOptions, pino } from 'pino';
import { BackendError } from '../backends/errors.ts';
import { requestLogFields } from '../request/scope.ts';
import { boundLogFields, boundString, type Scrub } from './bounded.ts';
import { secretScrubber } from './log-secrets.ts';

/**
 * Paths that may hold a secret in anything we log. Redaction is the second line of defence: the
 * first is that credentials are never put into log objects or error messages at all.
 */
const REDACT = [
  'password',
  '*.password',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'headers.cookie',
  'headers["x-auth-token"]',
  'headers["x-dr-session"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'superClientSecret',
  '*.superClientSecret',
  'variables.input.superClientSecret',
];

export interface LoggerSafety {
  /**
   * Every configured secret (Config.secrets, the password in REDIS_URL): replaced in each line
   * written, at every level (log-secrets.ts).
   */
  readonly secrets?: Iterable<string>;
}

/**
 * The process's logger. Besides path redaction: every string of a record is bounded
 * (bounded.ts), errors are logged by name, message, code and stack only (a library's extra
 * fields, such as the arguments of the Redis command that failed, never), and each written line
 * has every configured secret replaced.
 */
export function createLogger(
  level: string,
  destination?: pino.DestinationStream,
  safety: LoggerSafety = {},
): Logger {
  const scrub = secretScrubber(safety.secrets ?? []);
  const options: LoggerOptions = {
    level,
    redact: { paths: REDACT, censor: '[redacted]' },
    base: { service: 'plugin-graph' },
    // Every line a request causes names it (request/scope.ts); a field of the line's own wins.
    mixin: requestLogFields,
    serializers: {
      err: (value: unknown) => errorForLog(value, scrub),
      msg: (value: unknown) =>
        typeof value === 'string' ? boundString(value, undefined, scrub) : value,
    },
    formatters: { log: (record) => boundLogFields(record, scrub) },
    hooks: { streamWrite: scrub },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** Error fields a log line keeps; anything else an error carries (ioredis: `command`) is dropped. */
const ERROR_FIELDS = ['code', 'errno', 'syscall', 'status', 'statusCode'] as const;

/**
 * An error as a log field: its type, message (its causes' appended), stack and a few well-known
 * primitive fields, each bounded. Not an error: the value as it is (bounded by the formatter).
 */
export function errorForLog(value: unknown, scrub: Scrub = (text) => text): unknown {
  if (!(value instanceof Error)) return value;
  const serialized = pino.stdSerializers.err(value) as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {
    type: serialized.type,
    message: boundString(String(serialized.message ?? ''), undefined, scrub),
  };
  for (const field of ERROR_FIELDS) {
    const v = (value as unknown as Record<string, unknown>)[field];
    if (typeof v === 'number' || typeof v === 'boolean') out[field] = v;
    else if (typeof v === 'string') out[field] = boundString(v, 64, scrub);
  }
  if (typeof serialized.stack === 'string') out.stack = boundString(serialized.stack, 4_096, scrub);
  return out;
}

/**
 * A value Yoga hands its logger, made safe to log. Errors keep their message, code and path but
 * not their printed source: `String(graphQLError)` quotes the request document, which may hold
 * a caller's secret (an inline `superClientSecret`).
 */
export function forLog(value: unknown): unknown {
  if (!(value instanceof Error)) return String(value);
  const { extensions, path } = value as { extensions?: { code?: unknown }; path?: unknown };
  return {
    name: value.name,
    message: value.message,
    ...(extensions?.code === undefined ? {} : { code: extensions.code }),
    ...(path === undefined ? {} : { path }),
  };
}

/** Yoga's `logging` option: what Yoga logs goes to `logger`, made safe by `forLog`. */
export function yogaLogger(logger: Logger): YogaLogger {
  return {
    // Yoga logs several debug lines per request: build them only when they are kept.
    debug: (...args) =>
      logger.isLevelEnabled('debug') && logger.debug({ yoga: args.map(forLog) }, 'yoga'),
    info: (...args) => logger.info({ yoga: args.map(forLog) }, 'yoga'),
    warn: (...args) => logger.warn({ yoga: args.map(forLog) }, 'yoga'),
    // A backend failure on a field is expected and already logged once per vendor call (the
    // `backend call` line); Yoga would log it again for every field it reached: debug only.
    error: (...args) =>
      args.every(isBackendFailure)
        ? logger.debug({ yoga: args.map(forLog) }, 'yoga')
        : logger.error({ yoga: args.map(forLog) }, 'yoga'),
  };
}

function isBackendFailure(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { originalError?: unknown }).originalError instanceof BackendError
  );
}
