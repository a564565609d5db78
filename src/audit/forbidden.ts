import {
  type FieldNode,
  type FragmentDefinitionNode,
  getOperationAST,
  Kind,
  type SelectionSetNode,
} from 'graphql';
import { getArgumentValues } from 'graphql/execution/values.js';
import type { RefusedOperation } from '../auth/auth.ts';
import type { AuditTrail, RefusedField } from './trail.ts';

/**
 * A viewer's mutation, refused by useAuth before any resolver ran: one FORBIDDEN attempt per
 * mutation field of the document (aliases and fragments followed; `__typename` is no mutation),
 * each an entry of its own or, past the caller's rate, counted (audit/refusals.ts). Arguments are
 * read, only for an entry that keeps them, as GraphQL would have handed them in, variables
 * applied, then redacted and bounded.
 */
export async function auditForbidden(trail: AuditTrail, refused: RefusedOperation): Promise<void> {
  const operation = getOperationAST(refused.document, refused.operationName);
  const mutationType = refused.schema.getMutationType();
  if (operation?.operation !== 'mutation' || !mutationType) return;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of refused.document.definitions)
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const fields = mutationType.getFields();
  const variables = (refused.variables ?? {}) as Record<string, unknown>;
  const attempts: RefusedField[] = [];
  for (const node of topLevelFields(operation.selectionSet, fragments, new Set())) {
    const def = fields[node.name.value];
    if (!def) continue;
    attempts.push({
      operation: node.name.value,
      arguments: () => {
        try {
          return getArgumentValues(def, node, variables);
        } catch {
          // Arguments that would not even coerce: the field's name is still worth recording.
          return null;
        }
      },
    });
  }
  await trail.refuse(refused.caller, attempts);
}

function* topLevelFields(
  set: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  seen: Set<string>,
): Generator<FieldNode> {
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      if (!selection.name.value.startsWith('__')) yield selection;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      yield* topLevelFields(selection.selectionSet, fragments, seen);
    } else {
      const name = selection.name.value;
      const fragment = fragments.get(name);
      if (fragment && !seen.has(name)) {
        seen.add(name);
        yield* topLevelFields(fragment.selectionSet, fragments, seen);
      }
    }
  }
}
