import { once } from 'node:events';
import { type IncomingMessage, request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { CONNECTION_LIMITS } from '../../src/http/connection-limits.ts';
import { STREAM_TOKEN_HEADER } from '../../src/http/sse-single-connection.ts';
import { INSTALL, listening, PROGRESS } from '../subscriptions/helpers.ts';

/**
 * What one caller can hold in graphql-sse's single connection mode (issue 25, points 4 and 5):
 * reservations per caller under a global ceiling; operations and bytes waiting per stream.
 */

const VIEWER = 'viewer-token-5e0a';
const OTHER_VIEWER = 'viewer-token-77b2';
const OPERATOR = 'operator-token-c4d1';
const auth = {
  mode: 'tokens' as const,
  tokens: new Map([
    [VIEWER, { role: 'viewer' as const, name: 'viewer' }],
    [OTHER_VIEWER, { role: 'viewer' as const, name: 'other-viewer' }],
    [OPERATOR, { role: 'operator' as const, name: 'operator' }],
  ]),
};

/** An answer of ~47 KB: a reader that never reads fills the kernel's buffers in ~100 of them. */
const BIG_QUERY =
  '{ __schema { types { name description fields { name description args { name description } type { name kind ofType { name kind } } } } } }';

async function reserve(url: string, token?: string): Promise<Response> {
  return fetch(url, {
    method: 'PUT',
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
}

async function codeOf(res: Response): Promise<string | undefined> {
  const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
  return body.errors[0]?.extensions.code;
}

/** Opens a reserved stream with node:http, so that the test decides when (if) it is read. */
async function openStream(url: string, token: string, bearer?: string): Promise<IncomingMessage> {
  const headers: Record<string, string> = {
    accept: 'text/event-stream',
    [STREAM_TOKEN_HEADER]: token,
  };
  if (bearer !== undefined) headers.authorization = `Bearer ${bearer}`;
  const req = request(url, { headers });
  req.end();
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  expect(res.statusCode).toBe(200);
  return res;
}

function post(url: string, token: string, operationId: string, body: Record<string, unknown>) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [STREAM_TOKEN_HEADER]: token },
    body: JSON.stringify({ ...body, extensions: { operationId } }),
  });
}

describe('graphql-sse single connection mode: what one caller can hold', () => {
  it('reservations count per caller: one filling its share leaves others theirs', async () => {
    const { http } = await listening({ config: { auth } });
    const share = CONNECTION_LIMITS.maxReservationsPerCaller;
    // One viewer reserves until refused, far past its share (and past 1,000, the old ceiling).
    const reserved: string[] = [];
    let refused: Response | undefined;
    while (refused === undefined && reserved.length <= 2_000) {
      const res = await reserve(http.url, VIEWER);
      if (res.status === 201) reserved.push(await res.text());
      else refused = res;
    }
    expect(reserved).toHaveLength(share);
    expect(refused?.status).toBe(429);
    expect(refused && (await codeOf(refused))).toBe('TOO_MANY_STREAMS');
    // Every other caller, operators included, still reserves (and opens) streams.
    for (const token of [OPERATOR, OTHER_VIEWER]) {
      const res = await reserve(http.url, token);
      expect(res.status).toBe(201);
      const stream = await openStream(http.url, await res.text(), token);
      stream.destroy();
    }
    // The viewer's share frees as its reservations are opened.
    (await openStream(http.url, reserved[0]!, VIEWER)).destroy();
    const again = await reserve(http.url, VIEWER);
    expect(again.status).toBe(201);
    await again.text();
  });

  it('a stream whose reader never reads is cut once more than maxBufferedBytes wait', async () => {
    const { http } = await listening();
    const token = await (await reserve(http.url)).text();
    const stream = await openStream(http.url, token);
    // The client reads no more: what the server writes stays in the kernel, then in the stream.
    stream.pause();
    const cut = once(stream.socket, 'close');
    stream.on('error', () => undefined); // "aborted": the cut this test waits for
    // ~47 KB each: 600 of them are 28 MB, far more than kernel buffers and the bound hold.
    let accepted = 0;
    let last: Response | undefined;
    for (let i = 0; i < 600; i++) {
      last = await post(http.url, token, `op${i}`, { query: BIG_QUERY });
      if (last.status !== 202) break;
      await last.text();
      accepted++;
    }
    // The stream is gone: its token is unknown, and its connection was cut (the client, reading
    // again, gets what was in the kernel's buffers, then the end).
    expect(last?.status).toBe(404);
    expect(last && (await codeOf(last))).toBe('STREAM_NOT_FOUND');
    expect(accepted).toBeLessThan(600);
    stream.resume();
    await cut;
  });

  it('a stream runs at most maxOperationsPerConnection operations at once', async () => {
    const max = CONNECTION_LIMITS.maxOperationsPerConnection;
    const { t, http } = await listening({
      appliance: { installMs: 600_000 },
      // Subscriptions per caller above the stream's cap: this test is about the stream's.
      config: { subscriptionLimits: { perCaller: max * 2, total: max * 4 } },
    });
    const task = await t.gql<{ installUpdate: { task: { id: string } } }>(INSTALL, {
      version: '9.0.3.0',
    });
    const id = task.data!.installUpdate.task.id;
    const token = await (await reserve(http.url)).text();
    const stream = await openStream(http.url, token);
    stream.resume();
    const follow = { query: PROGRESS, variables: { id } };
    for (let i = 0; i < max; i++) {
      const res = await post(http.url, token, `op${i}`, follow);
      expect(res.status).toBe(202);
      await res.text();
    }
    const over = await post(http.url, token, 'one-more', follow);
    expect(over.status).toBe(429);
    expect(await codeOf(over)).toBe('TOO_MANY_OPERATIONS');
    stream.destroy();
  });
});
