import type { ServerResponse } from 'node:http';

/**
 * A vendor answer far larger than any real one (issue 26.3: a 40 MB HSS list took the process
 * past its heap), streamed as the client reads it, so a test can tell whether the client stopped
 * reading: a client that refuses it closes the connection with most of the body never written.
 */
export interface OversizedFault {
  readonly kind: 'oversized';
  /** Body bytes the answer has. */
  readonly bytes: number;
  /** Whether the headers say Content-Length; default true. */
  readonly declareLength?: boolean;
  /** Headers only, then nothing until the client leaves: the client must judge them alone. */
  readonly stall?: boolean;
}

/** What one oversized answer got out. */
export interface OversizedAnswer {
  readonly total: number;
  /** Body bytes handed to the socket (some may sit unread in buffers when the client leaves). */
  written: number;
  /** The whole body was handed over. */
  complete: boolean;
  /** Settles when the answer ended, whole or cut short by the client. */
  readonly done: Promise<void>;
}

const CHUNK = Buffer.alloc(64 * 1024, 0x20);

export function streamOversized(res: ServerResponse, fault: OversizedFault): OversizedAnswer {
  let ended: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    ended = resolve;
  });
  const answer: OversizedAnswer = { total: fault.bytes, written: 0, complete: false, done };
  res.once('close', () => ended());
  res.writeHead(200, {
    'content-type': 'application/json',
    ...(fault.declareLength !== false && { 'content-length': String(fault.bytes) }),
  });
  if (fault.stall) {
    res.flushHeaders();
    return answer;
  }
  // Written at the reader's pace: a client that stops reading stops the writing too.
  const pump = (): void => {
    while (answer.written < fault.bytes && !res.destroyed) {
      const n = Math.min(CHUNK.length, fault.bytes - answer.written);
      answer.written += n;
      if (!res.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) {
        res.once('drain', pump);
        return;
      }
    }
    if (!res.destroyed) {
      answer.complete = true;
      res.end();
    }
  };
  pump();
  return answer;
}
