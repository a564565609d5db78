import type { GraphQLSchema } from 'graphql';
import { builder } from './builder.ts';
import './scalars.ts';
import './enums.ts';
import './task.ts';
import './errors.ts';
import './plugin.ts';
import './host.ts';
import './installation.ts';
import './update.ts';
import './task-target.ts';
import './node-query.ts';
import './backend-status.ts';
import '../resolvers/tasks.ts';
import '../resolvers/backends.ts';
import '../resolvers/catalog.ts';
import '../resolvers/appliance.ts';
import '../resolvers/sdm.ts';
import '../resolvers/zstack.ts';
import '../resolvers/hss.ts';
import '../resolvers/korap.ts';
import '../resolvers/subscriptions.ts';
import { subscriptionsReadTheirArguments } from '../resolvers/subscription-arguments.ts';
import { entitiesOfUnknownTypesAreNull } from './entities.ts';

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
