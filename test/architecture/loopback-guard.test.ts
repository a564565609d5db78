import { once } from 'node:events';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { isLoopbackHost, takeRefusedConnections } from '../setup/loopback-only.ts';

/** Issue 26.7: the guard every test file runs under (vitest.config.ts `setupFiles`). */
describe('loopback-only guard', () => {
  it('refuses a connection off loopback before it is made, and records it', async () => {
    // TEST-NET-1 (RFC 5737): reserved for documentation; the guard destroys the socket before
    // connect() is reached, so nothing is sent anywhere.
    const socket = net.connect({ host: '192.0.2.1', port: 443 });
    const [error] = (await once(socket, 'error')) as [NodeJS.ErrnoException];
    expect(error.code).toBe('ECONNREFUSED');
    expect(error.message).toMatch(/test guard/);
    expect(takeRefusedConnections()).toEqual(['192.0.2.1:443']);
    // Through fetch (undici) as well: the name never resolves, the socket never opens.
    await expect(fetch('http://192.0.2.1:8080/')).rejects.toThrow();
    expect(takeRefusedConnections()).toEqual(['192.0.2.1:8080']);
  });

  it('lets loopback through', async () => {
    const server = net.createServer((s) => s.end('ok'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;
    const socket = net.connect(port, '127.0.0.1');
    const [data] = (await once(socket, 'data')) as [Buffer];
    expect(data.toString()).toBe('ok');
    socket.destroy();
    server.close();
    expect(takeRefusedConnections()).toEqual([]);
    for (const host of ['localhost', '127.0.0.1', '127.0.0.2', '::1', '::ffff:127.0.0.1'])
      expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['10.0.0.1', '169.254.169.254', 'metadata.google.internal', '0.0.0.0'])
      expect(isLoopbackHost(host), host).toBe(false);
  });
});
