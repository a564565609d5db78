import type { GraphQLSchema } from 'graphql';
import { builder } from './builder.ts';
// One import per domain (docs/architecture.md). Their order is the order of the Query and
// Mutation fields in schema.graphql.
import './scalars.ts';
import './enums.ts';
import './node.ts';
import './task.ts';
import './backend-status.ts';
import './errors.ts';
import './plugin.ts';
import './host.ts';
import './installation.ts';
import './update.ts';
import './task-target.ts';
import './sdm.ts';
import './zstack.ts';
import './hss.ts';
import './korap.ts';
import './audit.ts';
import './rollout.ts';
import './me.ts';
import { entitiesOfUnknownTypesAreNull } from './entities.ts';
import { subscriptionsReadTheirArguments } from './subscription-arguments.ts';

let schema: GraphQLSchema | undefined;

/** Built once per process: the builder's types are module-level, so every app shares them. */
export function buildSchema(): GraphQLSchema {
  // graphql-jit passes subscription fields the variables as arguments (subscription-arguments.ts).
  schema ??= entitiesOfUnknownTypesAreNull(
    subscriptionsReadTheirArguments(
      builder.toSubGraphSchema({
        linkUrl: 'https://specs.apollo.dev/federation/v2.6',
        federationDirectives: ['@key', '@shareable'],
      }),
    ),
  );
  return schema;
}
