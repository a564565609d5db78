import { BACKENDS, type BackendName } from '../domain/backend.ts';
import { builder } from './builder.ts';

/** GraphQL `Backend` values are upper case; internally the lower-case names are used. */
export const BackendEnum = builder.enumType('Backend', {
  description: 'The platforms plugin-graph fronts',
  values: Object.fromEntries(BACKENDS.map((b) => [b.toUpperCase(), { value: b }])) as Record<
    Uppercase<BackendName>,
    { value: BackendName }
  >,
});
