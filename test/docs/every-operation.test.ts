import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  type DocumentNode,
  Kind,
  type OperationDefinitionNode,
  parse,
  print,
  type VariableDefinitionNode,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/runtime.ts';
import { type DemoRuntime, startDemoRuntime } from '../helpers/demo-runtime.ts';

/**
 * Every operation of README.md and docs/ runs as written against demo mode (issue 28): the demo
 * fleet and the runtime `npm start` builds with no configuration, each operation of each
 * ```graphql block in page order, an `$id` filled from the last task a mutation returned (other
 * variables left to their defaults). Any `errors` entry fails the test, and so does a mutation
 * answering an error member of its union (a ValidationError, NotFoundError…), except
 * ConflictError: a page may run the same mutation as another while its task still runs.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const PAGES = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
];
const FENCED_GRAPHQL = /^[ \t]*```graphql\n([\s\S]*?)^[ \t]*```$/gm;
/** An operation written inline in prose, as test/readme.test.ts finds them. */
const INLINE_OPERATION = /`((?:query|mutation|subscription)\b[^`]*\{[^`]*)`/g;

interface Example {
  readonly page: string;
  readonly name: string;
  readonly kind: OperationDefinitionNode['operation'];
  readonly text: string;
  readonly variables: readonly VariableDefinitionNode[];
}

/** Each operation of a block (or inline), printed alone with the block's fragments. */
function examplesOf(page: string): Example[] {
  const text = readFileSync(join(ROOT, page), 'utf8');
  const blocks = [
    ...[...text.matchAll(FENCED_GRAPHQL)].map((m) => m[1] ?? ''),
    ...[...text.matchAll(INLINE_OPERATION)].map((m) => m[1] ?? ''),
  ];
  return blocks.flatMap((block, b) => {
    const document: DocumentNode = parse(block ?? '');
    const fragments = document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION);
    return document.definitions
      .filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)
      .map((op, i) => ({
        page,
        name: op.name?.value ?? `block ${b + 1} operation ${i + 1}`,
        kind: op.operation,
        text: [op, ...fragments].map((d) => print(d)).join('\n'),
        variables: op.variableDefinitions ?? [],
      }));
  });
}

const examples = PAGES.flatMap(examplesOf);

let demo: DemoRuntime;
let runtime: Runtime;
let lastTaskId: string | undefined;
beforeAll(async () => {
  demo = await startDemoRuntime();
  runtime = demo.runtime;
});
afterAll(async () => {
  await demo?.close();
});

/**
 * `$id` (or a literal `"…"` standing for an id in prose) is the last task's; a required variable
 * of another name is the example's problem.
 */
function variablesFor(example: Example): Record<string, unknown> {
  const variables: Record<string, unknown> = {};
  for (const definition of example.variables) {
    const name = definition.variable.name.value;
    if (name === 'id') variables.id = lastTaskId;
  }
  return variables;
}

/** The error members of a mutation's answer other than ConflictError. */
function refusals(data: unknown): string[] {
  if (data === null || typeof data !== 'object') return [];
  return Object.values(data as Record<string, { __typename?: string; message?: string }>)
    .filter((r) => r?.__typename?.endsWith('Error') && r.__typename !== 'ConflictError')
    .map((r) => `${r.__typename}: ${JSON.stringify(r)}`);
}

/** Task ids anywhere in a mutation's answer (`task { id }`), the last one wins. */
function noteTaskIds(value: unknown): void {
  if (value === null || typeof value !== 'object') return;
  const record = value as Record<string, unknown>;
  const task = record.task as { id?: unknown } | undefined;
  if (task && typeof task.id === 'string') lastTaskId = task.id;
  for (const child of Object.values(record)) noteTaskIds(child);
}

async function run(example: Example): Promise<{ errors?: unknown[]; data?: unknown }> {
  const subscription = example.kind === 'subscription';
  const res = await runtime.app.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: subscription ? 'text/event-stream' : 'application/graphql-response+json',
    },
    body: JSON.stringify({
      query: example.text.replaceAll('"…"', JSON.stringify(lastTaskId ?? '')),
      variables: variablesFor(example),
    }),
  });
  if (!subscription) return (await res.json()) as { errors?: unknown[]; data?: unknown };
  // A subscription: its first event (the task's current state) tells whether it runs.
  const reader = res.body?.getReader();
  let text = '';
  while (reader && !/^data: .*$/m.test(text)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  await reader?.cancel();
  const data = /^data: (.*)$/m.exec(text)?.[1];
  return data ? (JSON.parse(data) as { errors?: unknown[] }) : { errors: ['no event'] };
}

describe('every operation of README.md and docs/, in demo mode', () => {
  it('finds operations on several pages', () => {
    expect(new Set(examples.map((e) => e.page)).size).toBeGreaterThan(3);
    expect(examples.some((e) => e.kind === 'mutation')).toBe(true);
  });

  for (const example of examples) {
    it(`${example.page}: ${example.kind} ${example.name}`, async () => {
      const res = await run(example);
      expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
      if (example.kind !== 'mutation') return;
      expect(refusals(res.data)).toEqual([]);
      noteTaskIds(res.data);
    });
  }
});
