import { Kind, parse, print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRAPHIQL_EXAMPLES } from '../../src/schema/examples.ts';
import { type DemoRuntime, startDemoRuntime } from '../helpers/demo-runtime.ts';

/**
 * Issue 29: GraphiQL's rollout example, as written, over the demo fleet (both HSS regions) as
 * `npm start` builds it, followed over SSE with the RolloutProgress example to its end.
 */

/** GraphiQL's example of that name, printed alone. */
function example(name: string): string {
  const found = parse(GRAPHIQL_EXAMPLES).definitions.find(
    (d) => d.kind === Kind.OPERATION_DEFINITION && d.name?.value === name,
  );
  if (!found) throw new Error(`GraphiQL has no example named ${name}`);
  return print(found);
}

let demo: DemoRuntime;
beforeAll(async () => {
  demo = await startDemoRuntime();
});
afterAll(async () => {
  await demo?.close();
});

function post(query: string, variables: Record<string, unknown>, accept: string) {
  return demo.post(query, variables, accept);
}

interface Progress {
  status: string;
  counts: { total: number; succeeded: number; failed: number };
}

describe("GraphiQL's rollout example on the demo fleet", () => {
  it('plans over both HSS regions, runs, and streams its progress over SSE to SUCCEEDED', async () => {
    const started = (await (
      await post(example('StartRollout'), {}, 'application/graphql-response+json')
    ).json()) as {
      errors?: unknown;
      data: {
        startRollout: {
          __typename: string;
          rollout: { id: string; units: { edges: { node: { endpoint: string } }[] } };
        };
      };
    };
    expect(started.errors).toBeUndefined();
    expect(started.data.startRollout.__typename).toBe('StartRolloutPayload');
    const { id, units } = started.data.startRollout.rollout;
    // Planned over both regions: the hosts where EDR is installed and stopped (hss-ap's, here).
    expect(units.edges.length).toBeGreaterThan(0);
    for (const { node } of units.edges) expect(['hss', 'hss-ap']).toContain(node.endpoint);

    const res = await post(example('RolloutProgress'), { id }, 'text/event-stream');
    const events: Progress[] = [];
    const reader = res.body?.getReader();
    let text = '';
    // The stream completes at a terminal state: read until it ends.
    for (;;) {
      const chunk = await reader?.read();
      if (!chunk || chunk.done) break;
      text += new TextDecoder().decode(chunk.value);
    }
    for (const [, data] of text.matchAll(/^data: (.+)$/gm)) {
      const event = JSON.parse(data ?? '{}') as { data?: { rolloutProgress: Progress } };
      if (event.data) events.push(event.data.rolloutProgress);
    }
    expect(events.length).toBeGreaterThan(1);
    const last = events.at(-1);
    expect(last?.status).toBe('SUCCEEDED');
    expect((last?.counts.succeeded ?? 0) + (last?.counts.failed ?? 0)).toBe(last?.counts.total);
    expect(last?.counts.succeeded).toBeGreaterThan(0);
  });
});
