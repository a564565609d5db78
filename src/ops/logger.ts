import type { YogaLogger } from 'graphql-yoga';
import { type Logger, type LoggerOptions, pino } from 'pino';
import { BackendError } from '../backends/errors.ts';

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

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    redact: { paths: REDACT, censor: '[redacted]' },
    base: { service: 'plugin-graph' },
  };
  return destination ? pino(options, destination) : pino(options);
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
