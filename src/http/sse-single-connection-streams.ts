import { randomUUID } from 'node:crypto';

/**
 * The streams of graphql-sse's single connection mode (sse-single-connection.ts answers its
 * requests): each reserved stream, by token, with the operations that write to it once open.
 */

/** The Yoga server's fetch API: the classes its responses are made of. */
export interface FetchApi {
  readonly Response: typeof Response;
  readonly ReadableStream: typeof ReadableStream;
  readonly Headers: typeof Headers;
}

const PING = new TextEncoder().encode(':\n\n');

/**
 * Bytes one open stream may hold for a slow reader: past them the stream is cut and what it held
 * dropped. The error the response's body fails with (node-listener.ts cuts the socket).
 */
export class SlowReaderError extends Error {
  override readonly name = 'SlowReaderError';
  constructor(readonly limit: number) {
    super(`More than ${limit} bytes waited for the stream's reader`);
  }
}

/** Reserved streams by token; a stream leaves it when it closes (or its reservation expires). */
export class StreamRegistry {
  private readonly streams = new Map<string, EventStream>();
  private reservedNotOpen = 0;
  /** Streams reserved and not opened yet per caller; a caller leaves it at 0. */
  private readonly waitingPerCaller = new Map<string, number>();

  constructor(
    readonly fetchAPI: FetchApi,
    /** How long a reserved stream waits for its GET. */
    readonly reservationMs: number,
    /** Keep-alive comment period, as Yoga's SSE. */
    readonly pingMs: number,
    /** Bytes an open stream may hold for its reader before it is cut (SlowReaderError). */
    readonly maxQueuedBytes: number,
  ) {}

  /** Streams reserved and not opened yet, every caller together. */
  get waiting(): number {
    return this.reservedNotOpen;
  }

  /** Streams reserved and not opened yet by one caller (auth/auth.ts CallerKey). */
  waitingFor(caller: string): number {
    return this.waitingPerCaller.get(caller) ?? 0;
  }

  reserve(caller: string): EventStream {
    const token = randomUUID();
    const stream = new EventStream(token, caller, this);
    this.streams.set(token, stream);
    this.reservedNotOpen++;
    this.waitingPerCaller.set(caller, this.waitingFor(caller) + 1);
    return stream;
  }

  get(token: string): EventStream | undefined {
    return this.streams.get(token);
  }

  /** The drain started: every stream ends once its operations have. */
  drain(): void {
    for (const stream of this.streams.values()) stream.drain();
  }

  /** @internal EventStream's bookkeeping. */
  opened(stream: EventStream): void {
    this.stopWaiting(stream);
  }

  /** @internal */
  closed(stream: EventStream, wasWaiting: boolean): void {
    if (this.streams.get(stream.token) === stream) this.streams.delete(stream.token);
    if (wasWaiting) this.stopWaiting(stream);
  }

  private stopWaiting(stream: EventStream): void {
    this.reservedNotOpen--;
    const left = this.waitingFor(stream.caller) - 1;
    if (left > 0) this.waitingPerCaller.set(stream.caller, left);
    else this.waitingPerCaller.delete(stream.caller);
  }
}

/**
 * One reserved stream: its SSE body once opened, and the operations writing to it. What they
 * write waits in `queue` until the response asks for more (`pull`: the socket took the last of
 * it), so the bytes a slow reader leaves waiting are counted here whatever ReadableStream the
 * fetch API provides (whatwg-node's ignores a queuing strategy).
 */
export class EventStream {
  private readonly operations = new Map<string, Operation>();
  private controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  /** Bytes written and not yet handed to the response, and their length. */
  private queue: Uint8Array[] = [];
  private queued = 0;
  /** A pull waiting for bytes to hand over. */
  private wake: (() => void) | undefined;
  private ping: NodeJS.Timeout | undefined;
  private readonly expiry: NodeJS.Timeout;
  private opened = false;
  private closed = false;
  private failure: SlowReaderError | undefined;
  private cut: () => void = () => undefined;
  private draining = false;

  constructor(
    readonly token: string,
    /** Who reserved it (auth/auth.ts CallerKey): their reservations are counted together. */
    readonly caller: string,
    private readonly owner: StreamRegistry,
  ) {
    this.expiry = setTimeout(() => this.close(), owner.reservationMs).unref();
  }

  get isOpen(): boolean {
    return this.opened && !this.closed;
  }

  /** Operations running on the stream. */
  get size(): number {
    return this.operations.size;
  }

  /** The stream's body; `cut` ends the connection under it when its reader is too slow. */
  open(cut: () => void = () => undefined): ReadableStream<Uint8Array> {
    this.cut = cut;
    clearTimeout(this.expiry);
    this.opened = true;
    this.owner.opened(this);
    // A first byte: some browsers expose the stream only once one arrives.
    this.send(PING);
    this.ping = setInterval(() => this.send(PING), this.owner.pingMs).unref();
    return new this.owner.fetchAPI.ReadableStream<Uint8Array>({
      start: (controller) => {
        this.controller = controller;
        // whatwg-node's stream starts when the response is first read: maybe after a close.
        if (this.closed) this.end(controller);
      },
      pull: (controller) => this.handOver(controller),
      // The client left: every operation on the stream stops with it.
      cancel: () => this.close(),
    });
  }

  has(operationId: string): boolean {
    return this.operations.has(operationId);
  }

  add(operationId: string): Operation {
    const operation = new Operation(operationId, this);
    this.operations.set(operationId, operation);
    return operation;
  }

  stop(operationId: string): void {
    this.operations.get(operationId)?.stop();
    this.finished(operationId);
  }

  send(bytes: Uint8Array): void {
    if (!this.isOpen) return;
    if (this.queued + bytes.byteLength > this.owner.maxQueuedBytes) {
      // A reader this slow gets nothing more: what waits is dropped at once, every operation on
      // the stream stops, and its connection is cut.
      this.close(new SlowReaderError(this.owner.maxQueuedBytes));
      this.cut();
      return;
    }
    this.queue.push(bytes);
    this.queued += bytes.byteLength;
    this.wake?.();
  }

  /** The response wants more: everything written so far, or (a promise of) the next write. */
  private handOver(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> | void {
    if (this.closed) return;
    if (this.queue.length === 0) {
      return new Promise<void>((resolve) => {
        this.wake = resolve;
      }).then(() => this.handOver(controller));
    }
    this.wake = undefined;
    for (const bytes of this.queue) controller.enqueue(bytes);
    this.queue = [];
    this.queued = 0;
  }

  /** @internal An operation ended (completed, stopped, or failed). */
  finished(operationId: string): void {
    this.operations.delete(operationId);
    if (this.draining && this.operations.size === 0) this.close();
  }

  /** SIGTERM: each operation ends (SHUTTING_DOWN, live-subscriptions.ts), then the stream. */
  drain(): void {
    this.draining = true;
    if (this.operations.size === 0) this.close();
  }

  /** Ends the stream after what was written, or at once, dropping it, on `failure`. */
  close(failure?: SlowReaderError): void {
    if (this.closed) return;
    const wasWaiting = !this.opened;
    this.closed = true;
    this.failure = failure;
    clearTimeout(this.expiry);
    clearInterval(this.ping);
    for (const operation of this.operations.values()) operation.stop();
    this.operations.clear();
    if (failure) {
      this.queue = [];
      this.queued = 0;
    }
    if (this.controller) this.end(this.controller);
    // A pull still waiting finds the stream closed.
    this.wake?.();
    this.owner.closed(this, wasWaiting);
  }

  private end(controller: ReadableStreamDefaultController<Uint8Array>): void {
    const rest = this.queue;
    this.queue = [];
    this.queued = 0;
    try {
      for (const bytes of rest) controller.enqueue(bytes);
      if (this.failure) controller.error(this.failure);
      else controller.close();
    } catch {
      // already closed by a cancel
    }
  }
}

const encoder = new TextEncoder();

/** One operation's SSE answer from Yoga, re-addressed onto the shared stream. */
class Operation {
  private reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  private stopped = false;
  /** The operation id as a JSON string, for the events' `id`. */
  private readonly id: string;

  constructor(
    private readonly operationId: string,
    private readonly stream: EventStream,
  ) {
    this.id = JSON.stringify(operationId);
  }

  stop(): void {
    this.stopped = true;
    void this.reader?.cancel().catch(() => undefined);
  }

  forward(body: ReadableStream<Uint8Array>): void {
    if (this.stopped) {
      void body.cancel().catch(() => undefined);
      return;
    }
    this.reader = body.getReader();
    void this.pump(this.reader);
  }

  private async pump(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffered = '';
    let completed = false;
    try {
      while (!completed) {
        const { done, value } = await reader.read();
        if (done || this.stopped) break;
        buffered += decoder.decode(value, { stream: true });
        let end = buffered.indexOf('\n\n');
        while (end !== -1 && !completed) {
          completed = this.relay(buffered.slice(0, end));
          buffered = buffered.slice(end + 2);
          end = buffered.indexOf('\n\n');
        }
      }
    } catch {
      // Yoga's stream failed: the operation ends here, as a cut stream would.
    }
    if (!this.stopped)
      this.stream.send(encoder.encode(`event: complete\ndata: {"id":${this.id}}\n\n`));
    this.stream.finished(this.operationId);
  }

  /** One event of Yoga's SSE; true once it was the `complete` event. */
  private relay(event: string): boolean {
    let name = '';
    const data: string[] = [];
    for (const line of event.split('\n')) {
      if (line.startsWith('event:')) name = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (name === 'complete') return true;
    if (name === 'next' && data.length > 0) {
      this.stream.send(
        encoder.encode(`event: next\ndata: {"id":${this.id},"payload":${data.join('\n')}}\n\n`),
      );
    }
    return false;
  }
}
