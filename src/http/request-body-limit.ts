import { createGraphQLError, type Plugin as YogaPlugin } from 'graphql-yoga';

/**
 * Request body bytes (SPEC §8; LIMITS.maxRequestBodyBytes in guards/limits.ts): `_entities` with
 * 100 representations is ~10 KB. Larger: HTTP 413. Every transport applies it: HTTP bodies, a
 * graphql-sse operation, a WebSocket message.
 */
export const MAX_REQUEST_BODY_BYTES = 1_048_576;

/**
 * The request body cap (SPEC §8) without Yoga's per-request cost. Yoga's own `maxRequestBodySize`
 * pipes every body through a TransformStream, even one whose Content-Length already bounds it;
 * on a small read that stream, its AbortController and the DOMException thrown when the pipeline
 * ends cost about a quarter of the throughput (bench/RESULTS.md). Here a valid Content-Length is
 * checked and trusted (Node's HTTP parser never delivers more bytes than it announces); only a
 * body without one (chunked) is counted as it streams. Yoga's option must be `false` beside it.
 */
export function useRequestBodyLimit(limit: number): YogaPlugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      const length = request.headers.get('content-length');
      if (length !== null) {
        if (!/^\d+$/.test(length)) {
          throw createGraphQLError('Content-Length header is invalid.', {
            extensions: { http: { status: 400 }, code: 'BAD_REQUEST' },
          });
        }
        if (Number(length) > limit) throw tooLarge();
        return;
      }
      if (!requestParser || !request.body) return;
      const parse = requestParser;
      setRequestParser((req) => {
        let read = 0;
        const body = req.body?.pipeThrough(
          new fetchAPI.TransformStream<Uint8Array, Uint8Array>({
            transform(chunk, controller) {
              read += chunk.byteLength;
              if (read > limit) controller.error(tooLarge());
              else controller.enqueue(chunk);
            },
          }),
        );
        return parse(
          new fetchAPI.Request(req.url, {
            method: req.method,
            headers: req.headers,
            signal: req.signal,
            body: body ?? null,
            duplex: 'half',
          } as RequestInit),
        );
      });
    },
  };
}

function tooLarge(): Error {
  return createGraphQLError('Request body too large', {
    extensions: { http: { status: 413 }, code: 'REQUEST_ENTITY_TOO_LARGE' },
  });
}
