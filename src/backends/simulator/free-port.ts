import { once } from 'node:events';
import { createServer } from 'node:net';

/**
 * A loopback port that is free right now, for a process that must be told its port up front
 * (a server.ts child, redis-server). Servers of our own listen on port 0 instead.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}
