import { parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { GRAPHIQL_EXAMPLES } from '../../src/schema/examples.ts';
import { buildSchema } from '../../src/schema/index.ts';

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

  it('open with a contents comment naming every operation, in document order', () => {
    const names = [...GRAPHIQL_EXAMPLES.matchAll(/^(?:query|mutation|subscription) (\w+)/gm)].map(
      (m) => m[1],
    );
    const header = GRAPHIQL_EXAMPLES.slice(0, GRAPHIQL_EXAMPLES.search(/^(?!#)/m));
    const listed = [...header.matchAll(/\b[A-Z]\w+\b/g)].map((m) => m[0]);
    expect(listed.filter((word) => names.includes(word))).toEqual(names);
  });
});
