import {
  createServer,
  type IncomingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { type OversizedAnswer, type OversizedFault, streamOversized } from './oversized.ts';

/**
 * The loopback HTTP server under every vendor simulator: request log (so tests can count what a
 * vendor received), fault injection (SPEC: latency, 5xx, malformed body, hang, dropped
 * connection), and clean shutdown. Vendor knowledge lives in each simulator's handler.
 */

export interface SimRequest {
  readonly method: string;
  /** Path without the query string, percent-decoding left to the handler. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface SimResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  readonly body?: string;
}

export type SimHandler = (req: SimRequest) => SimResponse | Promise<SimResponse>;

export type Fault =
  | { readonly kind: 'latency'; readonly ms: number }
  /** Answered as usual once `until` settles: a vendor call kept in flight for as long as a test needs. */
  | { readonly kind: 'held'; readonly until: Promise<unknown> }
  | {
      readonly kind: 'status';
      readonly status: number;
      readonly body?: string;
      readonly contentType?: string;
      /** More headers, e.g. `retry-after`. */
      readonly headers?: Readonly<Record<string, string>>;
    }
  /** The handler runs (state changes happen) but its body is cut short: unparseable. */
  | { readonly kind: 'malformed' }
  /** The request is read and never answered. */
  | { readonly kind: 'hang' }
  /** The connection is destroyed without an answer. */
  | { readonly kind: 'drop' }
  /**
   * The handler runs (the vendor acts), then its answer is lost: never sent (`hang`), the
   * connection cut (`drop`), or a proxy's HTML page with status 200 in its stead (`html`).
   */
  | { readonly kind: 'acted'; readonly lost: 'hang' | 'drop' | 'html' }
  /** An answer of `bytes` bytes, streamed at the client's pace (oversized.ts). */
  | OversizedFault;

export interface FaultOptions {
  /** How many requests the fault applies to; default: until cleared. */
  readonly times?: number;
  /** Only requests this accepts get the fault. */
  readonly match?: (req: SimRequest) => boolean;
  /** Survives clearFaults(): for behaviour that is part of the simulated vendor (a restart). */
  readonly sticky?: boolean;
}

interface FaultRule {
  readonly fault: Fault;
  remaining: number;
  readonly match: ((req: SimRequest) => boolean) | undefined;
  readonly sticky: boolean;
}

export interface SimulatorServerOptions {
  readonly host?: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Entries kept in the request log. */
  readonly logLimit?: number;
}

export class SimulatorServer {
  /** The most recent requests, whole (at most `logLimit`), for tests that inspect them. */
  readonly requests: SimRequest[] = [];
  /** Every `oversized` answer sent, in order: how much of it went out. */
  readonly oversized: OversizedAnswer[] = [];
  /** Every request received since the last clearLog, by `${method} ${path}`: counts never truncate. */
  private readonly received = new Map<string, { method: string; path: string; n: number }>();
  private readonly faults: FaultRule[] = [];
  private inFlight = 0;
  private peak = 0;
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;
  private readonly logLimit: number;
  private address: AddressInfo | undefined;

  constructor(
    private readonly handler: SimHandler,
    options: SimulatorServerOptions = {},
  ) {
    this.logLimit = options.logLimit ?? 10_000;
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://simulator');
        const simReq: SimRequest = {
          method: req.method ?? 'GET',
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        void this.dispatch(simReq, res);
      });
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  async listen(options: SimulatorServerOptions = {}): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
    this.address = this.server.address() as AddressInfo;
    return this;
  }

  /** Origin of the server, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  get origin(): string {
    if (!this.address) throw new Error('simulator is not listening');
    return `http://${this.address.address}:${this.address.port}`;
  }

  inject(fault: Fault, options: FaultOptions = {}): void {
    this.faults.push({
      fault,
      remaining: options.times ?? Number.POSITIVE_INFINITY,
      match: options.match,
      sticky: options.sticky ?? false,
    });
  }

  clearFaults(): void {
    const sticky = this.faults.filter((f) => f.sticky);
    this.faults.length = 0;
    this.faults.push(...sticky);
  }

  /**
   * Requests received (all of them, not only those still in the log), optionally only those
   * matching method and/or a path test.
   */
  count(filter: { method?: string; path?: string | RegExp } = {}): number {
    let n = 0;
    for (const entry of this.received.values()) if (matches(entry, filter)) n += entry.n;
    return n;
  }

  /**
   * Most requests in flight at once (received, not yet answered) since the last clearLog: what
   * a test of a caller's concurrency bound reads.
   */
  peakInFlight(): number {
    return this.peak;
  }

  clearLog(): void {
    this.requests.length = 0;
    this.received.clear();
    this.peak = this.inFlight;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private takeFault(req: SimRequest): Fault | undefined {
    const rule = this.faults.find((f) => f.remaining > 0 && (f.match?.(req) ?? true));
    if (!rule) return undefined;
    rule.remaining--;
    return rule.fault;
  }

  private async dispatch(req: SimRequest, res: ServerResponse): Promise<void> {
    this.inFlight++;
    this.peak = Math.max(this.peak, this.inFlight);
    // 'close' fires once, whether the response ended or the socket was cut.
    res.once('close', () => this.inFlight--);
    this.requests.push(req);
    if (this.requests.length > this.logLimit) this.requests.shift();
    const key = `${req.method} ${req.path}`;
    const seen = this.received.get(key);
    if (seen) seen.n++;
    else this.received.set(key, { method: req.method, path: req.path, n: 1 });
    let fault = this.takeFault(req);
    if (fault?.kind === 'latency') {
      await sleep(fault.ms);
      fault = undefined;
    }
    if (fault?.kind === 'held') {
      await fault.until.catch(() => undefined);
      fault = undefined;
    }
    if (fault?.kind === 'hang') return;
    if (fault?.kind === 'oversized') {
      this.oversized.push(streamOversized(res, fault));
      return;
    }
    if (fault?.kind === 'drop') {
      res.socket?.destroy();
      return;
    }
    if (fault?.kind === 'status') {
      send(res, {
        status: fault.status,
        headers: {
          ...(fault.contentType && { 'content-type': fault.contentType }),
          ...fault.headers,
        },
        body: fault.body ?? '',
      });
      return;
    }
    let out: SimResponse;
    try {
      out = await this.handler(req);
    } catch (err) {
      out = { status: 500, body: String(err) };
    }
    if (fault?.kind === 'malformed') out = { ...out, body: corrupt(out.body ?? '') };
    if (fault?.kind === 'acted') {
      if (fault.lost === 'hang') return;
      if (fault.lost === 'drop') {
        res.socket?.destroy();
        return;
      }
      out = { status: 200, headers: { 'content-type': 'text/html' }, body: LOST_ANSWER_PAGE };
    }
    send(res, out);
  }
}

function send(res: ServerResponse, out: SimResponse): void {
  if (res.destroyed) return;
  res.statusCode = out.status;
  for (const [name, value] of Object.entries(out.headers ?? {})) res.setHeader(name, value);
  res.end(out.body ?? '');
}

/** What a proxy answers in the vendor's stead (`acted` then `html`): a 200 no client can read. */
const LOST_ANSWER_PAGE = '<html><body><h1>Gateway</h1><p>Please try again later.</p></body></html>';

/** Half a document, never a whole one: parses as neither JSON nor XML. */
function corrupt(body: string): string {
  return body.length > 2 ? body.slice(0, Math.floor(body.length / 2)) : '{"<';
}

function matches(
  r: { method: string; path: string },
  filter: { method?: string; path?: string | RegExp },
): boolean {
  if (filter.method && r.method !== filter.method) return false;
  if (filter.path === undefined) return true;
  return typeof filter.path === 'string' ? r.path === filter.path : filter.path.test(r.path);
}

export async function startSimulatorServer(
  handler: SimHandler,
  options: SimulatorServerOptions = {},
): Promise<SimulatorServer> {
  return new SimulatorServer(handler, options).listen(options);
}
