import net from 'node:net';
import { afterAll } from 'vitest';

/**
 * Test-wide guard (vitest `setupFiles`): no test may open a TCP connection off loopback. A socket
 * asked to connect anywhere else is destroyed before a packet leaves, and the test file fails at
 * its end, naming where it tried to go, even when the caller swallowed the error (as
 * gcp-metadata's cloud detection does). Unix sockets pass. Processes a test spawns are not
 * covered: they are our own server, configured with loopback addresses only.
 */

// @apollo/gateway reports telemetry to Apollo by default, first probing every cloud's metadata
// server (AWS, GCP, Azure, Alibaba) for resource attributes: a test's gateway does neither.
process.env.APOLLO_TELEMETRY_DISABLED = 'true';

const LOOPBACK = /^(?:localhost|127(?:\.\d{1,3}){3}|::1|::ffff:127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** Where refused connections tried to go, in order. */
const refused: string[] = [];

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.test(host);
}

/** The refusals so far, cleared: for the guard's own test, which makes one on purpose. */
export function takeRefusedConnections(): string[] {
  return refused.splice(0);
}

type Connect = typeof net.Socket.prototype.connect;
const GUARDED = Symbol.for('plugin-graph.loopback-guard');
const proto = net.Socket.prototype as net.Socket & { [GUARDED]?: true };

if (!proto[GUARDED]) {
  const connect: Connect = proto.connect;
  proto.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
    const where = destination(args);
    if (where !== undefined && !isLoopbackHost(where.host)) {
      refused.push(`${where.host}:${where.port ?? '?'}`);
      const error = Object.assign(
        new Error(`test guard: connection to ${where.host} refused (tests stay on loopback)`),
        { code: 'ECONNREFUSED' },
      );
      process.nextTick(() => this.destroy(error));
      return this;
    }
    return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as Connect;
  proto[GUARDED] = true;
}

/** The host and port a `connect` call names; undefined for a Unix socket path. */
function destination(args: unknown[]): { host: string; port?: unknown } | undefined {
  // net.connect() passes its normalized arguments as one array.
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (first !== null && typeof first === 'object') {
    const options = first as { host?: unknown; port?: unknown; path?: unknown };
    if (typeof options.path === 'string') return undefined;
    return {
      host: typeof options.host === 'string' ? options.host : 'localhost',
      port: options.port,
    };
  }
  if (typeof first === 'string' && Number.isNaN(Number(first))) return undefined;
  const host = Array.isArray(args[0]) ? undefined : args[1];
  return { host: typeof host === 'string' ? host : 'localhost', port: first };
}

afterAll(() => {
  const tried = takeRefusedConnections();
  if (tried.length > 0)
    throw new Error(`connections off loopback were attempted and refused: ${tried.join(', ')}`);
});
