import type { ExecutionResult } from 'graphql';
import type { FetchAPI, Plugin as YogaPlugin } from 'graphql-yoga';

/**
 * Subscriptions over `multipart/mixed` HTTP responses. Yoga streams multipart only for
 * `@defer`/`@stream` and answers a subscription asking for it with 406, so this plugin takes
 * over whenever a request accepts multipart and no other processor (SSE) was chosen:
 *
 * - Apollo Client (and Apollo Router clients) send `multipart/mixed;subscriptionSpec=1.0`: the
 *   multipart subscription protocol, boundary `graphql`, each result wrapped as `{ payload }`,
 *   and `{}` heartbeats so idle proxies don't cut a quiet stream.
 * - Any other `multipart/mixed`: the incremental delivery format Yoga uses for `@defer`
 *   (boundary `-`), each part one plain result.
 */
export interface MultipartOptions {
  /** Heartbeat period of the Apollo protocol (its spec says 5 s). */
  readonly heartbeatMs?: number;
}

interface Format {
  readonly contentType: string;
  readonly preamble: string;
  part(json: string): string;
  readonly end: string;
  wrap(result: ExecutionResult): unknown;
  readonly heartbeat?: string;
}

const APOLLO: Format = {
  contentType: 'multipart/mixed;boundary="graphql";subscriptionSpec="1.0"',
  preamble: '\r\n--graphql',
  part: (json) => `\r\ncontent-type: application/json; charset=utf-8\r\n\r\n${json}\r\n--graphql`,
  end: '--\r\n',
  wrap: (result) => ({ payload: result }),
  heartbeat: '{}',
};

const INCREMENTAL: Format = {
  contentType: 'multipart/mixed; boundary="-"',
  preamble: '\r\n---',
  part: (json) => `\r\nContent-Type: application/json; charset=utf-8\r\n\r\n${json}\r\n---`,
  end: '--\r\n',
  wrap: (result) => result,
};

export function useMultipartSubscriptions(options: MultipartOptions = {}): YogaPlugin {
  const heartbeatMs = options.heartbeatMs ?? 5_000;
  return {
    onResultProcess({ request, resultProcessor, setResultProcessor }) {
      if (resultProcessor) return; // SSE (or JSON) was asked for first
      const accepted = (request.headers.get('accept') ?? '')
        .toLowerCase()
        .split(',')
        .map((type) => type.replace(/\s/g, ''))
        .find((type) => type.startsWith('multipart/mixed'));
      if (accepted === undefined) return;
      const format = accepted.includes('subscriptionspec') ? APOLLO : INCREMENTAL;
      setResultProcessor(
        (processed, fetchAPI) =>
          stream(
            processed as ExecutionResult | AsyncIterable<ExecutionResult>,
            fetchAPI,
            format,
            heartbeatMs,
          ),
        'multipart/mixed',
      );
    },
  };
}

function stream(
  result: ExecutionResult | AsyncIterable<ExecutionResult>,
  fetchAPI: FetchAPI,
  format: Format,
  heartbeatMs: number,
): Response {
  const encoder = new fetchAPI.TextEncoder();
  const iterator: AsyncIterator<ExecutionResult> =
    Symbol.asyncIterator in result
      ? result[Symbol.asyncIterator]()
      : (async function* () {
          yield result;
        })();
  let heartbeat: NodeJS.Timeout | undefined;
  const body = new fetchAPI.ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(format.preamble));
      const beat = format.heartbeat;
      if (beat !== undefined) {
        heartbeat = setInterval(() => {
          if (controller.desiredSize === null) clearInterval(heartbeat);
          else controller.enqueue(encoder.encode(format.part(beat)));
        }, heartbeatMs);
      }
    },
    async pull(controller) {
      const { done, value } = await iterator.next();
      if (value != null)
        controller.enqueue(encoder.encode(format.part(stringify(format.wrap(value)))));
      if (done) {
        clearInterval(heartbeat);
        controller.enqueue(encoder.encode(format.end));
        controller.close();
      }
    },
    async cancel() {
      clearInterval(heartbeat);
      await iterator.return?.();
    },
  });
  return new fetchAPI.Response(body, {
    status: 200,
    headers: {
      'content-type': format.contentType,
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    },
  });
}

/** JSON of a result without Yoga's internal `extensions.http` (status, headers) on errors. */
function stringify(value: unknown): string {
  return JSON.stringify(value, (key, v: unknown) => {
    if (key !== 'extensions' || typeof v !== 'object' || v === null || !('http' in v)) return v;
    const { http: _http, ...rest } = v as Record<string, unknown>;
    return Object.keys(rest).length > 0 ? rest : undefined;
  });
}
