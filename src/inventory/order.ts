import { BACKENDS, type BackendName } from '../domain/backend.ts';
import { endpointOf } from '../domain/model.ts';

/** What the catalog connections order by. */
export interface Keyed {
  readonly backend: BackendName;
  readonly endpoint?: string | undefined;
  readonly nativeId: string;
}

/** Stable order across endpoints: by backend (SPEC order), then endpoint name, then native id. */
export function compareByBackendThenId(a: Keyed, b: Keyed): number {
  const ea = endpointOf(a);
  const eb = endpointOf(b);
  return (
    BACKENDS.indexOf(a.backend) - BACKENDS.indexOf(b.backend) ||
    (ea < eb ? -1 : ea > eb ? 1 : 0) ||
    (a.nativeId < b.nativeId ? -1 : a.nativeId > b.nativeId ? 1 : 0)
  );
}
