import { type Logger, type LoggerOptions, pino } from 'pino';

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
