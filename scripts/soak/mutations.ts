import type { Gql, GqlResult } from './graphql-client.ts';
import type { ListedPlugin } from './queries.ts';
import { VIEWER } from './settings.ts';
import { bump, counts, pick, tasks } from './tally.ts';
import { writesWithTask } from './write-check.ts';

/**
 * Mutations on every backend that has them, as an operator, each answer's task recorded (for the
 * task check and the subscriptions); and a viewer's mutation, refused before any backend.
 */

const recordTask = (result: GqlResult | undefined, field: string) => {
  const payload = result?.data?.[field] as {
    __typename?: string;
    task?: { id: string; nativeId?: string | null; error?: { code: string } | null };
  } | null;
  bump(counts.outcomes, `${field}:${payload?.__typename ?? 'error'}`);
  if (payload?.task?.id) tasks.add(payload.task.id);
  if (payload?.task?.error?.code === 'OUTCOME_UNKNOWN') counts.outcomeUnknown++;
  if (payload?.__typename === 'InstallUpdatePayload' && payload.task?.nativeId)
    writesWithTask.applianceInstalls.add(payload.task.nativeId);
  // A launch's own task (not a ConflictError's): its write was performed, or may have been when
  // its answer was lost (OUTCOME_UNKNOWN).
  if (payload?.__typename?.endsWith('Payload') && /SuperClientPlugin$/.test(field)) {
    if (payload.task?.error?.code === 'OUTCOME_UNKNOWN') writesWithTask.korapMaybe++;
    else writesWithTask.korapTasks++;
  }
  return payload?.task?.id;
};

const result = (name: string) =>
  `{ __typename ... on ${name}Payload { task { id error { code } } } ... on ConflictError { task { id } } }`;

export function mutationOperations(
  gql: Gql,
  of: (backend: string) => ListedPlugin[],
): (() => Promise<unknown>)[] {
  return [
    async () =>
      recordTask(
        await gql(
          'performPluginAction',
          `mutation($id: ID!, $a: PluginAction!) { performPluginAction(input: { pluginId: $id, action: $a }) ${result('PerformPluginAction')} }`,
          { id: pick(of('SDM')).id, a: pick(['INSTALL', 'UNINSTALL']) },
        ),
        'performPluginAction',
      ),
    async () => {
      const field = pick(['startPlugin', 'stopPlugin']);
      const type = field === 'startPlugin' ? 'StartPlugin' : 'StopPlugin';
      return recordTask(
        await gql(
          field,
          `mutation { ${field}(input: { pluginCode: "ndr", operateAll: true }) ${result(type)} }`,
        ),
        field,
      );
    },
    async () =>
      recordTask(
        await gql(
          'refreshPluginDrivers',
          `mutation { refreshPluginDrivers(input: {}) ${result('RefreshPluginDrivers')} }`,
        ),
        'refreshPluginDrivers',
      ),
    async () =>
      recordTask(
        await gql(
          'installUpdate',
          `mutation { installUpdate(input: { version: "9.0.3.0" }) { __typename
             ... on InstallUpdatePayload { task { id nativeId error { code } } }
             ... on ConflictError { task { id } } } }`,
        ),
        'installUpdate',
      ),
    async () => {
      const field = pick(['installSuperClientPlugin', 'uninstallSuperClientPlugin']);
      const type = field[0]?.toUpperCase() + field.slice(1);
      return recordTask(
        await gql(
          field,
          `mutation($c: String!) { ${field}(input: { clientId: $c }) ${result(type)} }`,
          { c: pick(of('KORAP')).nativeId },
        ),
        field,
      );
    },
    () => {
      // A viewer's mutation: refused, never reaching a backend.
      return gql(
        'viewerMutation',
        `mutation { installUpdate(input: { version: "9.0.3.0" }) { __typename } }`,
        undefined,
        VIEWER,
      );
    },
  ];
}
