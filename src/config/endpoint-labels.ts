import { ENDPOINT_NAME } from './endpoints.ts';

/**
 * How a problem names an entry of the endpoints file: by its `name`, `endpoints[hss-ap]`, which
 * an operator finds in the file at a glance and which stays right as entries are added or moved;
 * by its place, `endpoints[2]`, only when the entry has no valid name or shares it with another
 * (a name never starts with a digit, so the two cannot be confused).
 */
export function entryLabels(content: unknown): (index: number) => string {
  const names = entryNames(content);
  const count = new Map<string, number>();
  for (const name of names) if (name !== undefined) count.set(name, (count.get(name) ?? 0) + 1);
  return (index) => {
    const name = names[index];
    return name !== undefined && count.get(name) === 1
      ? `endpoints[${name}]`
      : `endpoints[${index}]`;
  };
}

/** Each entry's valid `name`, read as its own key only (never one inherited from a prototype). */
function entryNames(content: unknown): (string | undefined)[] {
  if (typeof content !== 'object' || content === null || !Object.hasOwn(content, 'endpoints'))
    return [];
  const list: unknown = (content as { endpoints: unknown }).endpoints;
  if (!Array.isArray(list)) return [];
  return list.map((entry: unknown) => {
    if (typeof entry !== 'object' || entry === null || !Object.hasOwn(entry, 'name'))
      return undefined;
    const name: unknown = (entry as { name: unknown }).name;
    return typeof name === 'string' && ENDPOINT_NAME.test(name) ? name : undefined;
  });
}
