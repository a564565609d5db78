/**
 * An ioredis error as it may be logged. ioredis puts the failed command on its errors
 * (`command: { name, args }`): for AUTH the arguments are the password (and the ACL user), for
 * any other command the keys and values it wrote. The copy keeps the type, message, code and
 * cause and nothing else; an error without a command is returned as it is.
 */
export function redisErrorForLog(err: unknown): unknown {
  if (!(err instanceof Error) || !('command' in err)) return err;
  const { code } = err as { code?: unknown };
  return new RedisCommandError(err, typeof code === 'string' ? code : undefined);
}

/** An ioredis error without its command: `type` in the log line says which it was. */
class RedisCommandError extends Error {
  readonly code: string | undefined;
  constructor(original: Error, code: string | undefined) {
    super(`${original.name}: ${original.message}`, { cause: causeOf(original) });
    this.code = code;
    // Where ioredis parsed the reply (the frames name no argument), under this error's message.
    const frames = (original.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
    this.stack = [`RedisCommandError: ${this.message}`, ...frames].join('\n');
  }
}
// On the prototype, as Error's own: not an enumerable field of every instance.
Object.defineProperty(RedisCommandError.prototype, 'name', { value: 'RedisCommandError' });

function causeOf(err: Error): unknown {
  return 'cause' in err ? redisErrorForLog(err.cause) : undefined;
}
