import type { Host, Installation, Plugin } from '../domain/model.ts';
import type { builder } from './builder.ts';

type FieldBuilder<T> = PothosSchemaTypes.ObjectFieldBuilder<typeof builder.$inferSchemaTypes, T>;

/**
 * `observedAt: DateTime!` of Plugin, Host and Installation: when the inventory snapshot the item
 * comes from was read from the vendor (src/inventory/). An item read straight from the vendor
 * (a mutation's answer) was observed now.
 */
export function observedAtField<T extends Plugin | Host | Installation>(t: FieldBuilder<T>) {
  return t.field({
    type: 'DateTime',
    description:
      'When the inventory snapshot it comes from was read from the vendor (INVENTORY_REFRESH_MS, docs/inventory.md)',
    resolve: (item) => item.observedAt ?? new Date(),
  });
}
