import { z } from 'zod';
import type { Installation, Plugin } from '../../domain/model.ts';
import { distinctBy } from '../rows.ts';
import { detailText, longText, shortText } from '../wire-limits.ts';
import { parseZonedDateTime } from './zoned-date-time.ts';

/**
 * KorAP Kustvakt plugin service bodies (vendor-apis.md §5) and their mapping to our domain
 * shapes. Kustvakt serialises with Jackson `NON_EMPTY`, so every field but the ids may be absent.
 * Vendor field names stop here. Strings are bounded (wire-limits.ts): one past its bound makes
 * the answer BACKEND_BAD_RESPONSE.
 */

// ---------------------------------------------------------------------------------------------
// Success bodies

/** One entry of `POST /plugins` (Kustvakt `OAuth2ClientInfoDto`). */
export const pluginInfoSchema = z.object({
  client_id: shortText.min(1),
  client_name: shortText,
  client_type: shortText.optional(),
  client_description: longText.optional(),
  client_url: longText.optional(),
  // A primitive boolean in Kustvakt; tolerated when absent (treated as not permitted).
  permitted: z.boolean().optional(),
  super: z.boolean().optional(),
  source: z.unknown().optional(),
  registered_by: shortText.optional(),
  registration_date: shortText.optional(),
});
export type PluginInfo = z.output<typeof pluginInfoSchema>;
/** Each plugin once: a repeated row would be a second plugin with the same id. */
export const pluginListSchema = z
  .array(pluginInfoSchema)
  .transform((rows) => distinctBy(rows, (p) => p.client_id));

/** The install answer and each entry of `POST /plugins/installed` (`InstalledPluginDto`). */
export const installedPluginSchema = z.object({
  client_id: shortText.min(1),
  super_client_id: shortText.min(1),
  name: shortText.optional(),
  description: longText.optional(),
  url: longText.optional(),
  installed_date: shortText.optional(),
});
export type InstalledPlugin = z.output<typeof installedPluginSchema>;
export const installedListSchema = z
  .array(installedPluginSchema)
  .transform((rows) =>
    distinctBy(rows, (p) => installationNativeId(p.client_id, p.super_client_id)),
  );

// ---------------------------------------------------------------------------------------------
// Error bodies: Kustvakt has two formats, its own `errors` rows and the OAuth2 one.

/** `{"errors":[[1850,"Plugin is not permitted","<client_id>"]]}`: code, message, arguments. */
export const kustvaktErrorsSchema = z.object({
  errors: z.array(z.array(z.unknown()).min(1)).min(1),
});

/** `{"error":"invalid_client","error_description":"…"}` (RFC 6749 §5.2). */
export const oauthErrorSchema = z.object({
  error: shortText.min(1),
  error_description: detailText.optional(),
});

export interface VendorError {
  readonly format: 'kustvakt' | 'oauth2';
  /** `'1850'`, `'2011'` for Kustvakt rows; `'invalid_client'` etc. for OAuth2 bodies. */
  readonly code: string;
  readonly message: string;
  /** Kustvakt rows' trailing arguments (often the client id). */
  readonly args: readonly string[];
}

export function toVendorError(body: unknown): VendorError | undefined {
  const rows = kustvaktErrorsSchema.safeParse(body);
  if (rows.success) {
    const [code, message, ...args] = rows.data.errors[0]!;
    return {
      format: 'kustvakt',
      code: String(code),
      message: typeof message === 'string' ? message : '',
      args: args.filter((a): a is string => typeof a === 'string'),
    };
  }
  const oauth = oauthErrorSchema.safeParse(body);
  if (oauth.success) {
    return {
      format: 'oauth2',
      code: oauth.data.error,
      message: oauth.data.error_description ?? '',
      args: [],
    };
  }
  return undefined;
}

/** The id in Kustvakt's `Unknown client: <id>` description, if that is what it says. */
export function unknownClientId(message: string): string | undefined {
  const match = /^unknown client:?\s*(.*)$/i.exec(message.trim());
  return match ? match[1]!.trim() : undefined;
}

// ---------------------------------------------------------------------------------------------
// Mapping to the graph's shapes

export function installationNativeId(clientId: string, superClientId: string): string {
  return `${clientId}@${superClientId}`;
}

/**
 * A registered plugin. INSTALLED when the user has it in this super client; otherwise AVAILABLE
 * (KorAP knows it, nobody placed it), whether or not admins permitted it: `vendorStatus` says
 * which, and installing a not-permitted one ends in NotPermittedError.
 */
export function toPlugin(info: PluginInfo, installedIds: ReadonlySet<string>): Plugin {
  return {
    backend: 'korap',
    nativeId: info.client_id,
    name: info.client_name,
    description: info.client_description,
    status: installedIds.has(info.client_id) ? 'INSTALLED' : 'AVAILABLE',
    vendorStatus: info.permitted === true ? 'permitted' : 'not permitted',
  };
}

export function toInstallation(dto: InstalledPlugin): Installation {
  const installedAt =
    dto.installed_date === undefined ? undefined : parseZonedDateTime(dto.installed_date)?.instant;
  return {
    backend: 'korap',
    nativeId: installationNativeId(dto.client_id, dto.super_client_id),
    pluginNativeId: dto.client_id,
    superClientId: dto.super_client_id,
    status: 'INSTALLED',
    installedAt,
  };
}
