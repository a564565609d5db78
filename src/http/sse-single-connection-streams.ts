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

/** Reserved streams by token; a stream leaves it when it closes (or its reservation expires). */
export class StreamRegistry {
  private readonly streams = new Map<string, EventStream>();
  private reservedNotOpen = 0;

  constructor(
    readonly fetchAPI: FetchApi,
    /** How long a reserved stream waits for its GET. */
    readonly reservationMs: number,
    /** Keep-alive comment period, as Yoga's SSE. */
    readonly pingMs: number,
  ) {}

  /** Streams reserved and not opened yet. */
  get waiting(): number {
    return this.reservedNotOpen;
  }

  reserve(): EventStream {
    const token = randomUUID();
    const stream = new EventStream(token, this);
    this.streams.set(token, stream);
    this.reservedNotOpen++;
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
  opened(): void {
    this.reservedNotOpen--;
  }

  /** @internal */
  closed(stream: EventStream, wasWaiting: boolean): void {
    if (this.streams.get(stream.token) === stream) this.streams.delete(stream.token);
    if (wasWaiting) this.reservedNotOpen--;
  }
}

/** One reserved stream: its SSE body once opened, and the operations writing to it. */
export class EventStream {
  private readonly operations = new Map<string, Operation>();
  private controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  private ping: NodeJS.Timeout | undefined;
  private readonly expiry: NodeJS.Timeout;
  private closed = false;
  private draining = false;

  constructor(
    readonly token: string,
    private readonly owner: StreamRegistry,
  ) {
    this.expiry = setTimeout(() => this.close(), owner.reservationMs).unref();
  }

  get isOpen(): boolean {
    return this.controller !== undefined && !this.closed;
  }

  open(): ReadableStream<Uint8Array> {
    clearTimeout(this.expiry);
    this.owner.opened();
    return new this.owner.fetchAPI.ReadableStream<Uint8Array>({
      start: (controller) => {
        this.controller = controller;
        // A first byte: some browsers expose the stream only once one arrives.
        controller.enqueue(PING);
        this.ping = setInterval(() => this.send(PING), this.owner.pingMs).unref();
      },
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
    if (this.isOpen) this.controller?.enqueue(bytes);
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

  close(): void {
    if (this.closed) return;
    const wasWaiting = this.controller === undefined;
    this.closed = true;
    clearTimeout(this.expiry);
    clearInterval(this.ping);
    for (const operation of this.operations.values()) operation.stop();
    this.operations.clear();
    try {
      this.controller?.close();
    } catch {
      // already closed by a cancel
    }
    this.owner.closed(this, wasWaiting);
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
