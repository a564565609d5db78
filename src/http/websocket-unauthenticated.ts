import type { IncomingMessage } from 'node:http';
import type { RawData, WebSocket } from 'ws';
import { clientAddressKey } from './client-address.ts';
import { MAX_REQUEST_BODY_BYTES } from './request-body-limit.ts';

/**
 * WebSockets open and not acknowledged yet (websocket.ts): how many at once per client address
 * and in all, and the bytes each may send before its `connection_init` is accepted. A share per
 * address, so that one client reconnecting as fast as its sockets time out holds its own share
 * and not every slot (issue 25, point 5).
 */
export class UnauthenticatedSockets {
  /** Each socket not acknowledged yet: its client's key and the bytes it has sent so far. */
  private readonly sockets = new Map<WebSocket, { readonly address: string; received: number }>();
  /** Sockets not acknowledged yet per client key; a key leaves when its count drops to 0. */
  private readonly perAddress = new Map<string, number>();

  constructor(
    private readonly max: number,
    private readonly maxPerAddress: number,
  ) {}

  /**
   * Why an upgrade from `request`'s client would be refused, as an HTTP answer, or undefined to
   * let it in: checked before a WebSocket exists (each may hold a capped message).
   */
  refusal(request: IncomingMessage): { status: 429 | 503; message: string } | undefined {
    const address = clientAddressKey(request.socket.remoteAddress);
    if ((this.perAddress.get(address) ?? 0) >= this.maxPerAddress)
      return { status: 429, message: 'Too many connections awaiting connection_init from here' };
    if (this.sockets.size >= this.max)
      return { status: 503, message: 'Too many connections awaiting connection_init' };
    return undefined;
  }

  /** A socket just opened: counted until it is acknowledged or closes. */
  add(socket: WebSocket, request: IncomingMessage): void {
    const address = clientAddressKey(request.socket.remoteAddress);
    this.sockets.set(socket, { address, received: 0 });
    this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
    const budget = (data: RawData) => {
      // Acknowledged: no more counting on this socket's every message.
      if (!this.received(socket, data)) socket.off('message', budget);
    };
    socket.on('message', budget);
    socket.once('close', () => this.delete(socket));
  }

  /** Acknowledged (or closed): no longer counted. */
  delete(socket: WebSocket): void {
    const pending = this.sockets.get(socket);
    if (!pending) return;
    this.sockets.delete(socket);
    const left = (this.perAddress.get(pending.address) ?? 1) - 1;
    if (left > 0) this.perAddress.set(pending.address, left);
    else this.perAddress.delete(pending.address);
  }

  /**
   * Before the ack a socket may send one capped message in all (connection_init, maybe a
   * ping): each pong echoes its payload back, so many pings would pile up unsent. False once
   * the socket is no longer counted.
   */
  private received(socket: WebSocket, data: RawData): boolean {
    const pending = this.sockets.get(socket);
    if (!pending) return false;
    pending.received += byteLength(data);
    if (pending.received > MAX_REQUEST_BODY_BYTES) socket.close(1009, 'Message Too Big');
    return true;
  }
}

function byteLength(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((sum, chunk) => sum + chunk.byteLength, 0);
  return data.byteLength;
}
