import type { Catalog } from '../backends/catalog.ts';
import type { CatalogBackend } from '../backends/registry.ts';

/**
 * One endpoint a catalog list reads (SPEC §10). `source` is absent for a backend asked for by
 * name but not configured: reading it is that backend's BACKEND_NOT_CONFIGURED.
 */
export interface CatalogTarget {
  readonly name: string;
  readonly backend: CatalogBackend;
  readonly source?: Catalog | undefined;
}
