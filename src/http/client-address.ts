import { isIPv4, isIPv6 } from 'node:net';

/**
 * The client a per-address limit counts under, from a socket's remote address: an IPv4 address
 * as it is (an IPv4-mapped IPv6 one, `::ffff:a.b.c.d`, as its IPv4), an IPv6 address by its /64
 * (one host commonly holds a whole /64, so counting single addresses would let it take every
 * share). Behind a reverse proxy every client has the proxy's address: they share one share.
 */
export function clientAddressKey(remoteAddress: string | undefined): string {
  if (remoteAddress === undefined) return 'unknown';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(remoteAddress);
  if (mapped?.[1] !== undefined && isIPv4(mapped[1])) return mapped[1];
  const address = remoteAddress.replace(/%.*$/, '');
  if (!isIPv6(address)) return remoteAddress;
  return `${expandIPv6(address).slice(0, 4).join(':')}::/64`;
}

/** The eight groups of an IPv6 address, each as a number in hex without leading zeros. */
function expandIPv6(address: string): string[] {
  const [head = '', tail] = address.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  // An embedded IPv4 (`64:ff9b::1.2.3.4`) is the last two groups.
  const last = right.at(-1) ?? left.at(-1);
  if (last !== undefined && isIPv4(last)) {
    const [a = 0, b = 0, c = 0, d = 0] = last.split('.').map(Number);
    const words = [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
    if (right.length > 0) right.splice(-1, 1, ...words);
    else left.splice(-1, 1, ...words);
  }
  const zeros = Array.from({ length: 8 - left.length - right.length }, () => '0');
  return [...left, ...zeros, ...right].map((group) => Number.parseInt(group, 16).toString(16));
}
