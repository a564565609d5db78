import { readFileSync } from 'node:fs';
import { Kind, parse, print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoRuntime, startDemoRuntime } from '../helpers/demo-runtime.ts';

/**
 * README.md's first query, mutation and subscription run as written against demo mode (issue
 * 27.5): the demo fleet and the runtime as `npm start` builds them with no configuration, each
 * operation taken from the README by its name, nothing edited but the subscription's `$id`.
 */

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The README's operation of that name, printed alone. */
function operation(name: string): string {
  for (const [, block] of README.matchAll(/^```graphql\n([\s\S]*?)^```$/gm)) {
    const found = parse(block ?? '').definitions.find(
      (d) => d.kind === Kind.OPERATION_DEFINITION && d.name?.value === name,
    );
    if (found) return print(found);
  }
  throw new Error(`README.md has no operation named ${name}`);
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

interface Result {
  data?: Record<string, unknown>;
  errors?: unknown[];
}

async function run(query: string): Promise<Result> {
  return (await (await post(query, {}, 'application/graphql-response+json')).json()) as Result;
}

interface TaskState {
  id: string;
  status: string;
  progress: number | null;
}

describe("README.md's first steps, in demo mode", () => {
  let taskId: string;

  it('FirstQuery: every demo endpoint, and plugins across them', async () => {
    const res = await run(operation('FirstQuery'));
    expect(res.errors).toBeUndefined();
    const data = res.data as {
      backends: { endpoint: string; reachable: boolean }[];
      plugins: { edges: unknown[]; failures: unknown[] };
    };
    expect(data.backends.map((b) => b.endpoint).sort()).toEqual(
      ['appliance', 'appliance-dr', 'hss', 'hss-ap', 'korap', 'sdm', 'zstack'].sort(),
    );
    expect(data.plugins.edges).toHaveLength(5);
    expect(data.plugins.failures).toEqual([]);
  });

  it('FirstMutation: an InstallUpdatePayload with its task, then a ConflictError while it runs', async () => {
    const res = await run(operation('FirstMutation'));
    expect(res.errors).toBeUndefined();
    const payload = res.data?.installUpdate as { __typename: string; task: TaskState };
    expect(payload.__typename).toBe('InstallUpdatePayload');
    taskId = payload.task.id;
    const again = await run(operation('FirstMutation'));
    expect(again.data?.installUpdate).toMatchObject({
      __typename: 'ConflictError',
      task: { id: taskId },
    });
  });

  it("TaskProgress over SSE: that task's state at once, then its changes", async () => {
    const res = await post(operation('TaskProgress'), { id: taskId }, 'text/event-stream');
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    const seen: TaskState[] = [];
    let text = '';
    // The demo appliance installs in 8 s, in steps: the first change comes within about one.
    while (!seen.some((task) => task.status !== 'QUEUED')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      const events = text.split('\n\n');
      text = events.pop() ?? '';
      for (const event of events) {
        const data = /^data: (.+)$/m.exec(event)?.[1];
        if (data)
          seen.push((JSON.parse(data) as { data: { taskProgress: TaskState } }).data.taskProgress);
      }
    }
    await reader.cancel();
    expect(seen[0]?.id).toBe(taskId);
    expect(seen.at(-1)?.status).toMatch(/^(RUNNING|SUCCESS)$/);
  });
});
