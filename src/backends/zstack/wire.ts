import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Plugin } from '../../domain/model.ts';
import { detailText, longText, shortText } from '../wire-limits.ts';

/**
 * ZStack Cloud REST wire (vendor-apis.md §2): zod schemas of every body we read, builders of
 * every body we send, and the mapping to domain shapes. ZStack field names stop here. Strings are
 * bounded (wire-limits.ts): one past its bound makes the answer BACKEND_BAD_RESPONSE.
 */

/** ZStack error object, sent as `{"error":{…}}` on failed calls and failed jobs. */
export const ErrorObject = z.looseObject({
  code: shortText,
  description: detailText.nullish(),
  details: detailText.nullish(),
  elaboration: detailText.nullish(),
});
export type ErrorObject = z.output<typeof ErrorObject>;

export const ErrorBody = z.looseObject({ error: ErrorObject });

/** `PUT /v1/accounts/login` → `{"inventory":{"uuid":…}}`; other session fields are not used. */
export const LoginReply = z.looseObject({
  inventory: z.looseObject({
    uuid: shortText.min(1),
    accountUuid: shortText.nullish(),
    expiredDate: shortText.nullish(),
  }),
});

/** 202 answer of every asynchronous (non-GET) call. */
export const AsyncReply = z.looseObject({ location: longText.min(1) });

/** A finished job's 200 body: the API's result, `{}` for the plugin-driver APIs. */
export const JobResult = z.looseObject({});

/**
 * One plugin-driver inventory. Fields we do not map are accepted in any form: the vendor may
 * change them between releases and the graph does not depend on them.
 */
export const PluginDriverInventory = z.looseObject({
  uuid: shortText.min(1),
  name: shortText,
  type: shortText.nullish(),
  vendor: shortText.nullish(),
  version: shortText.nullish(),
  description: longText.nullish(),
  license: z.unknown().optional(),
  features: z.unknown().optional(),
  optionTypes: z.unknown().optional(),
  createDate: z.unknown().optional(),
  lastOpDate: z.unknown().optional(),
  // Tolerant: a string "true" from an older serializer means the same.
  deleted: z.union([z.boolean(), z.enum(['true', 'false'])]).nullish(),
});
export type PluginDriverInventory = z.output<typeof PluginDriverInventory>;

export const QueryPluginDriversReply = z.looseObject({
  inventories: z.array(PluginDriverInventory),
  total: z.number().optional(),
});

export type DeleteMode = 'Permissive' | 'Enforcing';
export const DELETE_MODES: readonly DeleteMode[] = ['Permissive', 'Enforcing'];

/** ZStack wants the SHA-512 hex digest of the password, never the password itself. */
export function hashPassword(password: string): string {
  return createHash('sha512').update(password, 'utf8').digest('hex');
}

export function loginBody(account: string, password: string): string {
  return JSON.stringify({
    logInByAccount: { accountName: account, password: hashPassword(password) },
  });
}

/** PUT actions wrap their parameters in one key named after the action; tags sit beside it. */
export function refreshPluginDriversBody(name?: string): string {
  return JSON.stringify({
    refreshPluginDrivers: name === undefined ? {} : { name },
    systemTags: [],
    userTags: [],
  });
}

export function isDeleted(inv: PluginDriverInventory): boolean {
  return inv.deleted === true || inv.deleted === 'true';
}

export function toPlugin(inv: PluginDriverInventory): Plugin {
  const deleted = isDeleted(inv);
  return {
    backend: 'zstack',
    nativeId: inv.uuid,
    name: inv.name,
    description: inv.description ?? undefined,
    version: inv.version ?? undefined,
    vendor: inv.vendor ?? undefined,
    // A driver present in the table is loaded and usable: nothing to install.
    status: deleted ? 'DELETED' : 'AVAILABLE',
    vendorStatus: deleted ? 'deleted' : 'active',
  };
}

/**
 * The job path to poll, relative to our configured base path. The location names the
 * management node that took the call, which may not be reachable from here (behind a proxy or
 * load balancer), so only its path is kept and polling goes through our own base URL.
 */
export function jobPathFromLocation(location: string, basePath: string): string | undefined {
  let pathname: string;
  try {
    pathname = new URL(location, 'http://location.invalid').pathname;
  } catch {
    return undefined;
  }
  if (basePath !== '' && pathname.startsWith(`${basePath}/`)) {
    pathname = pathname.slice(basePath.length);
  } else {
    // A different prefix on the node's side: keep the part from the API version on.
    const at = pathname.indexOf('/v1/');
    if (at < 0) return undefined;
    pathname = pathname.slice(at);
  }
  return pathname.startsWith('/v1/') ? pathname : undefined;
}

/** The job uuid is the location's last path segment. */
export function jobUuidFromPath(path: string): string | undefined {
  const last = path
    .split('/')
    .filter((s) => s.length > 0)
    .pop();
  return last === undefined ? undefined : decodeURIComponent(last);
}
