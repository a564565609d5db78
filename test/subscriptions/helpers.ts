import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import { onTestFinished } from 'vitest';
import WebSocket from 'ws';
import type { App } from '../../src/app.ts';
import { nodeListener } from '../../src/http/node-listener.ts';
import {
  attachWebSocket,
  type WebSocketOptions,
  type WebSocketTransport,
} from '../../src/http/websocket.ts';
import { startTestRuntime, type TestRuntime, type TestRuntimeOptions } from '../helpers/runtime.ts';

export const INSTALL = `mutation($version: String!) {
  installUpdate(input: { version: $version }) {
    __typename
    ... on InstallUpdatePayload { task { id status } }
    ... on ConflictError { code task { id } }
  }
}`;

export const PROGRESS = `subscription($id: ID!) {
  taskProgress(id: $id) { id status progress completedAt error { code } }
}`;

export interface TaskEvent {
  id: string;
  status: string;
  progress: number | null;
  completedAt: string | null;
  error: { code: string } | null;
}

export interface Listening {
  readonly server: Server;
  /** `http://127.0.0.1:<port>/graphql` */
  readonly url: string;
  /** `ws://127.0.0.1:<port>/graphql` */
  readonly wsUrl: string;
  /** The WebSocket transport: its `server` (ws) holds the server side of every socket. */
  readonly websocket: WebSocketTransport;
  close(): Promise<void>;
}

/** The app on a real loopback socket with the WebSocket transport, as src/server.ts wires it. */
export async function listen(app: App, ws: WebSocketOptions = {}): Promise<Listening> {
  // Pings every 300 ms, as Yoga's own SSE does under NODE_ENV=test.
  const server = createServer(nodeListener(app, { pingMs: 300 }));
  const websocket = attachWebSocket(server, app, ws);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}/graphql`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    websocket,
    async close() {
      await websocket.close(0);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A test runtime with its app on a real socket; both are closed when the calling test ends. */
export async function listening(
  options: TestRuntimeOptions = {},
  ws: WebSocketOptions = {},
): Promise<{ t: TestRuntime; http: Listening }> {
  const t = await startTestRuntime(options);
  const http = await listen(t.runtime.app, ws).catch(async (err: unknown) => {
    await t.close();
    throw err;
  });
  onTestFinished(async () => {
    await http.close();
    await t.close();
  });
  return { t, http };
}

/** Every taskProgress event of a client's stream until it completes; an error result throws. */
async function collect(
  results: AsyncIterable<{ data?: { taskProgress: TaskEvent } | null; errors?: unknown }>,
  onEvent?: (event: TaskEvent) => void,
): Promise<TaskEvent[]> {
  const events: TaskEvent[] = [];
  for await (const result of results) {
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    if (result.data) {
      events.push(result.data.taskProgress);
      onEvent?.(result.data.taskProgress);
    }
  }
  return events;
}

/**
 * Follows the subscription with graphql-sse's client (distinct connections mode); `onEvent`
 * sees each event as it comes (a test can wait for the first one: the stream is then set up).
 */
export async function followSse(
  url: string,
  id: string,
  onEvent?: (event: TaskEvent) => void,
): Promise<TaskEvent[]> {
  const client = createSseClient({ url, retryAttempts: 0 });
  try {
    return await collect(
      client.iterate<{ taskProgress: TaskEvent }>({ query: PROGRESS, variables: { id } }),
      onEvent,
    );
  } finally {
    client.dispose();
  }
}

/** Follows the subscription with graphql-ws's client over `ws`. */
export async function followWs(
  wsUrl: string,
  id: string,
  connectionParams: Record<string, unknown> = {},
): Promise<TaskEvent[]> {
  const client = createWsClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams,
  });
  try {
    return await collect(
      client.iterate<{ taskProgress: TaskEvent }>({ query: PROGRESS, variables: { id } }),
    );
  } finally {
    await client.dispose();
  }
}

/** POSTs with `accept: multipart/mixed` (what Apollo Client does over HTTP); parts in order. */
export async function followMultipart(
  url: string,
  id: string,
): Promise<{
  contentType: string;
  parts: { data?: { taskProgress: TaskEvent }; errors?: unknown[] }[];
}> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'multipart/mixed' },
    body: JSON.stringify({ query: PROGRESS, variables: { id } }),
  });
  const body = await res.text(); // the stream ends when the subscription completes
  const parts = body
    .split(/\r\n---/)
    .map((chunk) => chunk.split('\r\n\r\n')[1])
    .filter((json): json is string => json?.trim().startsWith('{') ?? false)
    .map((json) => JSON.parse(json));
  return { contentType: res.headers.get('content-type') ?? '', parts };
}

/** Statuses seen, progress never going backwards, ending in the expected terminal state. */
export function expectMonotonic(events: TaskEvent[]): void {
  let last = -1;
  for (const event of events) {
    const progress = event.progress ?? -1;
    if (progress < last) throw new Error(`progress went backwards: ${last} -> ${progress}`);
    last = progress;
  }
}
