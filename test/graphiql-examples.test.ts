import { parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { GRAPHIQL_EXAMPLES } from '../src/graphiql-examples.ts';
import { buildSchema } from '../src/schema/index.ts';

describe('GraphiQL examples', () => {
  it('validate against the schema, and cover every mutation and subscription', () => {
    const schema = buildSchema();
    const document = parse(GRAPHIQL_EXAMPLES);
    expect(validate(schema, document).map((e) => e.message)).toEqual([]);
    const operations = [
      ...Object.keys(schema.getMutationType()?.getFields() ?? {}),
      ...Object.keys(schema.getSubscriptionType()?.getFields() ?? {}),
    ];
    for (const name of operations) expect(GRAPHIQL_EXAMPLES, name).toContain(`${name}(`);
  });
});
