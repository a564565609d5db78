import { GraphQLError, Kind } from 'graphql';
import { builder } from './builder.ts';

/** ISO-8601 with offset on output; any ISO-8601 instant with an offset (or Z) on input. */
builder.scalarType('DateTime', {
  description: 'An instant, ISO-8601 with offset, e.g. 2026-11-24T14:53:27.000Z',
  serialize: (value) => {
    if (!(value instanceof Date) || Number.isNaN(value.getTime()))
      throw new GraphQLError('DateTime must be a valid Date');
    return value.toISOString();
  },
  parseValue: (value) => parseInstant(value),
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('DateTime must be a string');
    return parseInstant(ast.value);
  },
});

function parseInstant(value: unknown): Date {
  if (typeof value !== 'string' || !/(Z|[+-]\d\d:\d\d)$/.test(value)) {
    throw new GraphQLError('DateTime must be an ISO-8601 string with an offset');
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new GraphQLError('DateTime is not a valid instant');
  return date;
}

/** Any JSON value, passed through as is (an audit entry's redacted `arguments`). */
builder.scalarType('JSON', {
  description: 'Any JSON value',
  serialize: (value) => value,
  parseValue: (value) => value,
});
