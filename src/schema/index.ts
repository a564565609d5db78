import type { GraphQLSchema } from 'graphql';
import { builder } from './builder.ts';
import './scalars.ts';
import './enums.ts';
import './task.ts';
import './errors.ts';
import './update.ts';
import './task-target.ts';
import './backend-status.ts';
import '../resolvers/tasks.ts';
import '../resolvers/backends.ts';
import '../resolvers/appliance.ts';

/** The plugin-graph schema, a Federation 2 subgraph (also served standalone). */
let schema: GraphQLSchema | undefined;

/** Built once per process: the builder's types are module-level, so every app shares them. */
export function buildSchema(): GraphQLSchema {
  schema ??= builder.toSubGraphSchema({
    linkUrl: 'https://specs.apollo.dev/federation/v2.6',
    federationDirectives: ['@key', '@shareable'],
  });
  return schema;
}
