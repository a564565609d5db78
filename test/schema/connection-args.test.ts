import type { GraphQLArgument } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildSchema } from '../../src/schema/index.ts';

/**
 * What GraphiQL's docs pane and codegen show for a connection's arguments (issue 13.7): each says
 * what it does, and `first`/`last` state the default page size and the cap that
 * sortedConnection and the tasks resolver apply.
 */

const CONNECTIONS = ['plugins', 'hosts', 'installations', 'tasks'] as const;

function args(field: string): Map<string, GraphQLArgument> {
  const found = buildSchema().getQueryType()?.getFields()[field];
  return new Map((found?.args ?? []).map((a) => [a.name, a]));
}

describe('connection arguments', () => {
  it.each(CONNECTIONS)('%s: every argument is described', (field) => {
    const all = args(field);
    expect([...all.keys()]).toEqual(
      expect.arrayContaining(['first', 'last', 'after', 'before', 'backend']),
    );
    for (const [name, arg] of all) expect(arg.description, `${field}(${name})`).toMatch(/\S/);
  });

  it.each(CONNECTIONS)(
    '%s: first states the default page size (20), first and last the cap (100)',
    (field) => {
      expect(args(field).get('first')?.description).toMatch(/default 20\b/);
      for (const name of ['first', 'last']) {
        expect(args(field).get(name)?.description, `${field}(${name})`).toMatch(/at most 100\b/);
      }
    },
  );
});
