import type { BackendName } from '../domain/backend.ts';
import { builder } from './builder.ts';
import { BackendEnum } from './enums.ts';

/**
 * One endpoint that failed while a list across endpoints was gathered (SPEC §12). It repeats, in
 * the data, the GraphQL error beside it (`partial: true`): gateways such as Hive Gateway's
 * default runtime drop an error that sits next to a field's data, and the data always arrives.
 */
export interface BackendFailure {
  readonly backend: BackendName;
  /** The endpoint that failed (SPEC §10); the backend's name for an environment-configured one. */
  readonly endpoint: string;
  /** SPEC §5 code (`BACKEND_UNAVAILABLE`, …), or INTERNAL_SERVER_ERROR for the unexpected. */
  readonly code: string;
  /** The GraphQL error's message: written for operators, no credential, no vendor body. */
  readonly message: string;
}

export const BackendFailureRef = builder.objectRef<BackendFailure>('BackendFailure').implement({
  description: 'An endpoint of a backend whose part of a list is missing, and why',
  fields: (t) => ({
    backend: t.field({ type: BackendEnum, resolve: (f) => f.backend }),
    endpoint: t.exposeString('endpoint', { description: 'The endpoint whose items are missing' }),
    code: t.exposeString('code', {
      description: 'The SPEC §5 code of the GraphQL error beside it',
    }),
    message: t.exposeString('message'),
  }),
});

/**
 * The `failures` field of a connection over several endpoints: what `acrossEndpoints` gathered
 * besides the items (the resolver returns the page with `failures` beside edges and pageInfo).
 */
export function failuresField<Shape extends { readonly failures: BackendFailure[] }>(
  t: PothosSchemaTypes.ObjectFieldBuilder<typeof builder.$inferSchemaTypes, Shape>,
) {
  return t.field({
    type: [BackendFailureRef],
    description:
      'Endpoints whose items are missing from this list, empty when every endpoint answered. Each also has a GraphQL error with `extensions.partial: true`, which some gateways drop.',
    resolve: (connection) => connection.failures,
  });
}

/**
 * `failuresField` for a connection type shared by several fields (InstallationConnection), whose
 * Pothos shape cannot name `failures`: every resolver of it returns the page with `failures`.
 */
export function sharedFailuresField<Shape extends object>(
  t: PothosSchemaTypes.ObjectFieldBuilder<typeof builder.$inferSchemaTypes, Shape>,
) {
  return t.field({
    type: [BackendFailureRef],
    description:
      'Endpoints whose items are missing from this list, empty when every endpoint answered. Each also has a GraphQL error with `extensions.partial: true`, which some gateways drop.',
    resolve: (connection) => {
      const { failures } = connection as { failures?: BackendFailure[] };
      return failures ?? [];
    },
  });
}
