import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import { type Encoding, negotiateEncoding, withVary } from './accept-encoding.ts';
import { bytes } from './bytes.ts';

/**
 * Large JSON answers compressed on their way out (node-listener.ts), negotiated from the
 * request's Accept-Encoding (accept-encoding.ts). Only a whole JSON body already in memory is
 * compressed: subscription streams (SSE, multipart/mixed) are streams, and WebSocket frames never
 * pass here, so none of them ever is.
 *
 * Why a threshold, and why 4 KiB: below it compression saves under ~3 KB an answer and no round
 * trip (a first TCP flight carries ~14 KB), while it costs a zlib context and a thread-pool hop
 * per answer, tens of µs against ~140 µs of server CPU for a whole small read (bench section 1).
 * A page of 20 nodes with a few fields each stays under it; hundreds of hosts or installations,
 * which shrink 10–20×, go over. Brotli at quality 1 and gzip at level 1: on JSON they are as
 * fast as each other, and a higher level buys a few percent more at two to ten times the CPU.
 * The work runs on libuv's thread pool (zlib's async API), so a megabyte answer never blocks the
 * event loop.
 */
export const COMPRESS_MIN_BYTES = 4 * 1024;

const JSON_TYPE = /^application\/(?:graphql-response\+)?json\b/i;

const brotli = promisify(brotliCompress);
const gzipped = promisify(gzip);

function compress(body: Buffer, encoding: Exclude<Encoding, 'identity'>): Promise<Buffer> {
  if (encoding === 'gzip') return gzipped(body, { level: 1 });
  return brotli(body, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 1,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
    },
  });
}

/**
 * The body of a @whatwg-node/fetch Response made from a string, as Yoga makes every JSON answer
 * (result-processor/regular.js). UPSTREAM MIRROR (@whatwg-node/server 0.11.0, pinned with `~`):
 * `bodyType` and `bodyInit` are the private fields its `sendNodeResponse` reads for the same
 * body; read here so a small answer is measured without a copy or a promise. Any other
 * Response is left alone (sent uncompressed); test/http/compression.test.ts fails if Yoga's
 * answers stop being such Responses.
 */
function stringBody(response: Response): string | undefined {
  const fields = response as Response & {
    readonly bodyType?: unknown;
    readonly bodyInit?: unknown;
  };
  return fields.bodyType === 'String' && typeof fields.bodyInit === 'string'
    ? fields.bodyInit
    : undefined;
}

/** Whether `text` reaches COMPRESS_MIN_BYTES in UTF-8 (its length counts UTF-16 units). */
function reachesThreshold(text: string): boolean {
  // A UTF-16 unit is 1 to 3 UTF-8 bytes: only the band in between needs counting.
  if (text.length >= COMPRESS_MIN_BYTES) return true;
  return text.length * 3 >= COMPRESS_MIN_BYTES && Buffer.byteLength(text) >= COMPRESS_MIN_BYTES;
}

/**
 * `response` as it should leave for a request with `acceptEncoding`: itself when small, not
 * JSON, or not compressible; otherwise a promise of its compressed copy. Never rejects: should
 * zlib fail, the answer leaves uncompressed. An answer over the threshold says `Vary:
 * Accept-Encoding` whether compressed or not, since another request may get the other form.
 */
export function compressAnswer(
  response: Response,
  acceptEncoding: string | undefined,
  ResponseType: typeof Response,
): Response | Promise<Response> {
  const text = stringBody(response);
  if (text === undefined || !reachesThreshold(text)) return response;
  const type = response.headers.get('content-type');
  if (type === null || !JSON_TYPE.test(type) || response.headers.has('content-encoding'))
    return response;
  const vary = withVary(response.headers.get('vary'), 'Accept-Encoding');
  const encoding = negotiateEncoding(acceptEncoding);
  if (encoding === 'identity') {
    response.headers.set('vary', vary);
    return response;
  }
  return compress(Buffer.from(text), encoding).then(
    (body) => {
      const headers = new Headers(response.headers);
      headers.set('content-encoding', encoding);
      headers.set('content-length', String(body.length));
      headers.set('vary', vary);
      return new ResponseType(bytes(body), {
        status: response.status,
        statusText: response.statusText,
        headers,
      });
    },
    () => {
      response.headers.set('vary', vary);
      return response;
    },
  );
}
