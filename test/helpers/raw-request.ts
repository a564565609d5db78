import { type IncomingHttpHeaders, request } from 'node:http';

export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The bytes as they came off the socket: not decompressed (fetch would decode them). */
  readonly body: Buffer;
}

export interface RawRequest {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** Stop at the headers (the body is not read; the socket is closed). */
  readonly headersOnly?: boolean;
}

/** One request with node:http, so the test sees Content-Encoding and the encoded bytes as sent. */
export function rawRequest(url: string, options: RawRequest = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false },
      (res) => {
        const done = (body: Buffer) =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        if (options.headersOnly) {
          res.destroy();
          done(Buffer.alloc(0));
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => done(Buffer.concat(chunks)));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
