import type { InputFieldMap, InputShapeFromFields } from '@pothos/core';
import type { BackendName } from '../domain/backend.ts';
import { NotFoundError, ValidationError } from '../domain/errors.ts';
import type { Context } from '../resolvers/context.ts';
import { type MutationArgs, runMutation, type TaskResult } from '../resolvers/run-mutation.ts';
import type { LaunchPlan } from '../tasks/plan.ts';
import { builder } from './builder.ts';
import { InstallationRef } from './installation.ts';
import { loadPlugin, PluginRef } from './plugin.ts';
import { TaskRef } from './task.ts';

/** The `t` of an input type's fields, for fields two inputs share. */
export type InputFieldBuilder = PothosSchemaTypes.InputFieldBuilder<
  typeof builder.$inferSchemaTypes,
  'InputObject'
>;
type ErrorClass = new (...args: never[]) => Error;

/** The `endpoint` field of mutation inputs (SPEC §10). */
export const ENDPOINT_INPUT_DESCRIPTION =
  'The endpoint to act on, by name; required when the backend has several and no global id given names one (a ValidationError on input.endpoint otherwise)';

/** Which of the acted-on objects a mutation payload shows besides its task. */
interface PayloadOptions {
  readonly plugin?: boolean;
  readonly installation?: boolean;
}

export function payloadType(name: string, options: PayloadOptions = {}) {
  return builder.objectRef<TaskResult>(name).implement({
    fields: (t) => ({
      task: t.field({ type: TaskRef, resolve: (p) => p.task }),
      ...(options.plugin
        ? {
            plugin: t.field({
              type: PluginRef,
              nullable: true,
              description: 'The plugin as it is now (null once it is gone)',
              resolve: async (p, _args, ctx) =>
                p.pluginId ? loadPlugin(ctx).load(p.pluginId).catch(nullIfNotFound) : null,
            }),
          }
        : {}),
      ...(options.installation
        ? {
            installation: t.field({
              type: InstallationRef,
              nullable: true,
              resolve: (p) => p.installation ?? null,
            }),
          }
        : {}),
    }),
  });
}

function nullIfNotFound(err: unknown): null {
  if (err instanceof NotFoundError) return null;
  throw err;
}

/** Each task mutation's GraphiQL example, in the order the mutations are declared. */
export const MUTATION_EXAMPLES: { readonly backend: BackendName; readonly text: string }[] = [];

/**
 * A mutation that launches a task: `<field>(input: <Field>Input!): <Field>Result!`, the result a
 * union of `<Field>Payload` (the task, and `payload`'s objects) and the domain errors. The union
 * holds the builder's default errors (builder.ts: VALIDATION, CONFLICT, BACKEND_REJECTED) plus
 * `errors`; listed as VALIDATION, `errors`, CONFLICT, BACKEND_REJECTED, as they always were.
 * `plan` turns the input into the launch plan (resolvers/plans/); resolvers/run-mutation.ts runs
 * it under its audit entry (SPEC §11).
 */
export function taskMutation<Fields extends InputFieldMap>(
  field: string,
  options: {
    readonly description: string;
    /**
     * A runnable example for GraphiQL (schema/examples.ts), against demo mode's fixtures:
     * `mutation <Name> { <field>(...) }`, comment lines first where they help.
     */
    readonly example: string;
    /** The backend it acts on, for its audit entry (known before the input is even read). */
    readonly backend: BackendName;
    readonly input: (t: InputFieldBuilder) => Fields;
    readonly payload?: PayloadOptions;
    readonly errors?: readonly ErrorClass[];
    readonly plan: (
      input: NoInfer<InputShapeFromFields<Fields>>,
      ctx: Context,
    ) => LaunchPlan | Promise<LaunchPlan>;
  },
): void {
  const name = field.charAt(0).toUpperCase() + field.slice(1);
  MUTATION_EXAMPLES.push({ backend: options.backend, text: options.example });
  const input = builder.inputType(`${name}Input`, { fields: options.input });
  const payload = payloadType(`${name}Payload`, options.payload);
  builder.mutationField(field, (t) =>
    t.field({
      type: payload,
      description: options.description,
      args: { input: t.arg({ type: input, required: true }) },
      // The union lists a field's types, then the defaults, each once: ValidationError first.
      errors: { types: [ValidationError, ...(options.errors ?? [])] },
      // Pothos cannot name the argument's shape through the generic `Fields`; it is this one.
      resolve: (_root, args, ctx) =>
        runMutation(ctx, { operation: field, backend: options.backend }, args as MutationArgs, () =>
          options.plan((args as { input: InputShapeFromFields<Fields> }).input, ctx),
        ),
    }),
  );
}
