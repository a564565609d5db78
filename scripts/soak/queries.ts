import type { Gql } from './graphql-client.ts';
import { VIEWER } from './settings.ts';

/** Mixed queries: the catalog across backends, installations, updates and statuses, tasks. */

export interface ListedPlugin {
  readonly id: string;
  readonly backend: string;
  readonly nativeId: string;
}

/** Ids to act on, from the graph itself; throws when a backend the mutations need lists none. */
export async function listPlugins(gql: Gql): Promise<(backend: string) => ListedPlugin[]> {
  const listing = await gql(
    'plugins',
    '{ plugins(first: 100) { edges { node { id backend nativeId } } } }',
  );
  const plugins = (
    (listing?.data?.plugins as { edges: { node: ListedPlugin }[] })?.edges ?? []
  ).map((e) => e.node);
  const of = (backend: string) => plugins.filter((p) => p.backend === backend);
  if (of('SDM').length === 0 || of('ZSTACK').length === 0 || of('KORAP').length === 0)
    throw new Error(`could not list plugins: ${JSON.stringify(listing)}`);
  return of;
}

export function queryOperations(gql: Gql): (() => Promise<unknown>)[] {
  return [
    () =>
      gql(
        'catalog',
        `{ plugins(first: 50) { edges { node { id name status installations { edges { node { id status host { name } } } } } } }
           hosts(first: 50) { edges { node { id status } } } }`,
        undefined,
        VIEWER,
      ),
    () => gql('installations', '{ installations(first: 100) { edges { node { id status } } } }'),
    () => gql('updates', '{ updates { version } backends { backend reachable breaker } }'),
    () =>
      gql(
        'tasks',
        '{ tasks(first: 20) { edges { node { id status progress } } } }',
        undefined,
        VIEWER,
      ),
  ];
}
