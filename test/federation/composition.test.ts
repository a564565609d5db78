import { readFileSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { REVIEWS_SDL } from './reviews-subgraph.ts';

describe('schema.graphql as a Federation 2 subgraph', () => {
  it('composes with a second subgraph that extends Plugin with its own field', () => {
    const sdl = readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8');
    const result = composeServices([
      { name: 'plugin-graph', typeDefs: parse(sdl), url: 'http://plugin-graph/graphql' },
      { name: 'reviews', typeDefs: parse(REVIEWS_SDL), url: 'http://reviews/graphql' },
    ]);
    expect(result.errors?.map((e) => e.message) ?? []).toEqual([]);
    expect(result.supergraphSdl).toContain('rating: Int!');
    expect(result.supergraphSdl).toMatch(/type Plugin implements Node\s+@join__implements/);
  });
});
