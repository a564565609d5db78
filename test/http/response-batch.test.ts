import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ResponseBatch } from '../../src/http/response-batch.ts';
import { listening } from '../subscriptions/helpers.ts';

/** A batch on a clock the test moves, whose end-of-turn flush the test runs. */
function batchOnTestClock() {
  const clock = { ms: 0 };
  const scheduled: (() => void)[] = [];
  const written: string[] = [];
  const reported: unknown[] = [];
  const batch = new ResponseBatch(
    (err) => reported.push(err),
    1,
    () => clock.ms,
    (flush) => scheduled.push(flush),
  );
  const endTurn = () => {
    for (const flush of scheduled.splice(0)) flush();
  };
  const add = (name: string) => batch.add(() => written.push(name));
  return { clock, scheduled, written, reported, batch, endTurn, add };
}

describe('ResponseBatch', () => {
  it('writes the answers of one turn together at its end, in arrival order', () => {
    const b = batchOnTestClock();
    b.add('a');
    b.add('b');
    expect(b.written).toEqual([]);
    expect(b.scheduled).toHaveLength(1);
    b.endTurn();
    expect(b.written).toEqual(['a', 'b']);
  });

  it('holds no answer past maxHoldMs: the next one flushes the whole batch at once', () => {
    const b = batchOnTestClock();
    b.add('a');
    b.clock.ms = 0.5;
    b.add('b');
    expect(b.written).toEqual([]);
    b.clock.ms = 1;
    b.add('c');
    expect(b.written).toEqual(['a', 'b', 'c']);
    // The turn's own flush then finds nothing; a later answer starts a new batch.
    b.endTurn();
    expect(b.written).toEqual(['a', 'b', 'c']);
    b.add('d');
    expect(b.scheduled).toHaveLength(1);
    b.endTurn();
    expect(b.written).toEqual(['a', 'b', 'c', 'd']);
  });

  it('reports a write that throws and still writes the others', () => {
    const b = batchOnTestClock();
    const boom = new Error('socket gone');
    b.add('a');
    b.batch.add(() => {
      throw boom;
    });
    b.add('c');
    b.endTurn();
    expect(b.written).toEqual(['a', 'c']);
    expect(b.reported).toEqual([boom]);
  });
});

describe('answers batched per turn on a real socket', () => {
  it('answers pipelined requests on one connection in the order they were sent', async () => {
    const { http } = await listening();
    const { port, pathname } = new URL(http.url);
    const request = (query: string) => {
      const body = JSON.stringify({ query });
      return `POST ${pathname} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    };
    const socket = connect(Number(port), '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8');
    const answered = new Promise<string>((resolve, reject) => {
      socket.on('data', (chunk: string) => {
        received += chunk;
        if (received.includes('"third"')) resolve(received);
      });
      socket.on('error', reject);
    });
    // All three in one write: parsed in one turn, so their answers are batched together.
    socket.write(
      request('{ first: __typename }') +
        request('{ second: __typename }') +
        request('{ third: __typename }'),
    );
    const text = await answered;
    socket.destroy();
    const bodies = [...text.matchAll(/\{"data":\{"(\w+)":"Query"\}\}/g)].map((m) => m[1]);
    expect(bodies).toEqual(['first', 'second', 'third']);
    expect(text.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(3);
  });

  it('answers every one of many concurrent requests with its own result', async () => {
    const { http } = await listening();
    const answers = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const res = await fetch(http.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: `{ n${i}: __typename }` }),
        });
        return { status: res.status, body: (await res.json()) as unknown };
      }),
    );
    answers.forEach((answer, i) => {
      expect(answer).toEqual({ status: 200, body: { data: { [`n${i}`]: 'Query' } } });
    });
  });
});
