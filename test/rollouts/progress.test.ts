import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { hssFleet } from '../../src/backends/hss/fixtures.ts';
import { type HssSimulator, startHssSimulator } from '../../src/backends/hss/simulator.ts';
import { hssFileEndpoint } from '../helpers/hss-fleet.ts';
import { listening } from '../subscriptions/helpers.ts';
import { type RolloutResult, START_ROLLOUT } from './helpers.ts';

const sims: HssSimulator[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

const PROGRESS = `subscription($id: ID!) {
  rolloutProgress(id: $id) { status completedAt counts { total pending running succeeded } }
}`;
interface ProgressEvent {
  status: string;
  completedAt: string | null;
  counts: { total: number; pending: number; running: number; succeeded: number };
}
type Results = AsyncIterable<{
  data?: { rolloutProgress: ProgressEvent } | null;
  errors?: unknown;
}>;

async function collect(results: Results): Promise<ProgressEvent[]> {
  const events: ProgressEvent[] = [];
  for await (const result of results) {
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    if (result.data) events.push(result.data.rolloutProgress);
  }
  return events;
}

async function start() {
  const sim = await startHssSimulator({ stepMs: 0, fixtures: hssFleet(4) });
  sims.push(sim);
  const { t, http } = await listening({
    config: { endpoints: [hssFileEndpoint('hss-eu', sim, 0)] },
  });
  const res = await t.gql<RolloutResult>(START_ROLLOUT, {
    input: { action: { startPlugin: { pluginCode: 'ndr' } }, hostsPerUnit: 1, dryRun: false },
  });
  return { http, id: res.data?.startRollout.rollout?.id as string };
}

/** From the state at subscription time to the end, ending SUCCEEDED with every unit counted. */
function expectToTheEnd(events: ProgressEvent[]) {
  expect(events.length).toBeGreaterThan(0);
  const last = events.at(-1);
  expect(last?.status).toBe('SUCCEEDED');
  expect(last?.completedAt).not.toBeNull();
  expect(last?.counts).toEqual({ total: 4, pending: 0, running: 0, succeeded: 4 });
  // Never backwards.
  const done = events.map((e) => e.counts.succeeded);
  expect([...done].sort((a, b) => a - b)).toEqual(done);
}

describe('rolloutProgress', () => {
  it('streams to the end over SSE', async () => {
    const { http, id } = await start();
    const client = createSseClient({ url: http.url, retryAttempts: 0 });
    try {
      expectToTheEnd(
        await collect(client.iterate({ query: PROGRESS, variables: { id } }) as Results),
      );
    } finally {
      client.dispose();
    }
  });

  it('streams to the end over WebSocket', async () => {
    const { http, id } = await start();
    const client = createWsClient({ url: http.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
    try {
      expectToTheEnd(
        await collect(client.iterate({ query: PROGRESS, variables: { id } }) as Results),
      );
    } finally {
      await client.dispose();
    }
  });

  it('streams to the end over multipart', async () => {
    const { http, id } = await start();
    const res = await fetch(http.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed' },
      body: JSON.stringify({ query: PROGRESS, variables: { id } }),
    });
    const parts = (await res.text())
      .split(/\r\n---/)
      .map((chunk) => chunk.split('\r\n\r\n')[1])
      .filter((json): json is string => json?.trim().startsWith('{') ?? false)
      .map(
        (json) =>
          JSON.parse(json) as {
            payload?: { data?: { rolloutProgress: ProgressEvent } };
            data?: { rolloutProgress: ProgressEvent };
          },
      );
    const events = parts.flatMap((p) => {
      const data = p.data ?? p.payload?.data;
      return data ? [data.rolloutProgress] : [];
    });
    expectToTheEnd(events);
  });
});
