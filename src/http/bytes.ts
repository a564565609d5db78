/**
 * A Buffer as a fetch body. Node's Buffer is a Uint8Array, but TypeScript's lib.dom BodyInit
 * wants one over a plain ArrayBuffer; this is the same memory, no copy (@whatwg-node/fetch turns
 * it back into a Buffer view to send it).
 */
export function bytes(buffer: Buffer): Uint8Array<ArrayBuffer> {
  return new Uint8Array(buffer.buffer as ArrayBuffer, buffer.byteOffset, buffer.byteLength);
}
