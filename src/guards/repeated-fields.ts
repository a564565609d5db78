import {
  BREAK,
  type DocumentNode,
  type FragmentDefinitionNode,
  Kind,
  type SelectionSetNode,
  visit,
} from 'graphql';

/**
 * How often one response key is selected in one selection set, counting the fields of inline
 * fragments and of spread fragments (each fragment once, as graphql-js merges them) where they
 * land (issue 26.8). graphql-js merges identical selections before execution, so 300 copies of
 * `backends { backend }` cost next to nothing in armor's cost limit, yet validation compares
 * every pair of them (OverlappingFieldsCanBeMergedRule): ~200 ms of CPU a document. limits.ts
 * counts them after parsing and before validation: a refused document costs a parse and this walk.
 */

export interface RepeatedField {
  /** The response key (alias or field name) the caller wrote. */
  readonly key: string;
  readonly count: number;
}

/** The first response key selected more than `max` times in one selection set, if any. */
export function repeatedFieldOver(document: DocumentNode, max: number): RepeatedField | undefined {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  let over: RepeatedField | undefined;
  visit(document, {
    SelectionSet(set) {
      over = countIn(set, fragments, max);
      return over ? BREAK : undefined;
    },
  });
  return over;
}

function countIn(
  set: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  max: number,
): RepeatedField | undefined {
  const counts = new Map<string, number>();
  // Each fragment flattened once per selection set, which also ends a cycle of spreads.
  const spread = new Set<string>();
  const pending: SelectionSetNode[] = [set];
  for (let next = pending.pop(); next; next = pending.pop()) {
    for (const selection of next.selections) {
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        const count = (counts.get(key) ?? 0) + 1;
        if (count > max) return { key, count };
        counts.set(key, count);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        pending.push(selection.selectionSet);
      } else if (!spread.has(selection.name.value)) {
        spread.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) pending.push(fragment.selectionSet);
      }
    }
  }
  return undefined;
}
