import { z } from 'zod';
import type { Installation, Plugin } from '../../domain/model.ts';

/**
 * KorAP Kustvakt plugin service bodies (vendor-apis.md §5) and their mapping to our domain
 * shapes. Kustvakt serialises with Jackson `NON_EMPTY`, so every field but the ids may be absent.
 * Vendor field names stop here.
 */

// ---------------------------------------------------------------------------------------------
// Success bodies

/** One entry of `POST /plugins` (Kustvakt `OAuth2ClientInfoDto`). */
export const pluginInfoSchema = z.object({
  client_id: z.string().min(1),
  client_name: z.string(),
  client_type: z.string().optional(),
  client_description: z.string().optional(),
  client_url: z.string().optional(),
  // A primitive boolean in Kustvakt; tolerated when absent (treated as not permitted).
  permitted: z.boolean().optional(),
  super: z.boolean().optional(),
  source: z.unknown().optional(),
  registered_by: z.string().optional(),
  registration_date: z.string().optional(),
});
export type PluginInfo = z.output<typeof pluginInfoSchema>;
export const pluginListSchema = z.array(pluginInfoSchema);

/** The install answer and each entry of `POST /plugins/installed` (`InstalledPluginDto`). */
export const installedPluginSchema = z.object({
  client_id: z.string().min(1),
  super_client_id: z.string().min(1),
  name: z.string().optional(),
  description: z.string().optional(),
  url: z.string().optional(),
  installed_date: z.string().optional(),
});
export type InstalledPlugin = z.output<typeof installedPluginSchema>;
export const installedListSchema = z.array(installedPluginSchema);

// ---------------------------------------------------------------------------------------------
// Error bodies: Kustvakt has two formats, its own `errors` rows and the OAuth2 one.

/** `{"errors":[[1850,"Plugin is not permitted","<client_id>"]]}`: code, message, arguments. */
export const kustvaktErrorsSchema = z.object({
  errors: z.array(z.array(z.unknown()).min(1)).min(1),
});

/** `{"error":"invalid_client","error_description":"…"}` (RFC 6749 §5.2). */
export const oauthErrorSchema = z.object({
  error: z.string().min(1),
  error_description: z.string().optional(),
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
// Java ZonedDateTime.toString(): `2022-05-06T09:21:19.452+02:00[Europe/Berlin]`. Java drops
// zero seconds and zero fractions (`09:21+02:00`), prints up to nine fraction digits, `Z` for
// UTC, and offsets with seconds for historical zones; all of these parse here.

const ZONED =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2}(?::\d{2})?)(?:\[([^\]]+)\])?$/;

export interface ZonedInstant {
  readonly instant: Date;
  /** The region id in brackets (`Europe/Berlin`), when Java printed one. */
  readonly zone?: string | undefined;
}

export function parseZonedDateTime(text: string): ZonedInstant | undefined {
  const m = ZONED.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, offset, zone] = m;
  const fields = [y, mo, d, h, mi, s ?? '0'].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const [year, month, day, hour, minute, second] = fields;
  // Digits, not floating point: 0.029 * 1000 is 28.999…
  const millis = frac === undefined ? 0 : Number(frac.padEnd(3, '0').slice(0, 3));
  const local = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  const check = new Date(local);
  // Date.UTC rolls 2022-02-30 over into March; Java never prints such a date, so refuse it.
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return undefined;
  }
  const instant = new Date(local - offsetSeconds(offset!) * 1000);
  return zone === undefined ? { instant } : { instant, zone };
}

function offsetSeconds(offset: string): number {
  if (offset === 'Z') return 0;
  const sign = offset.startsWith('-') ? -1 : 1;
  const [hh, mm, ss] = offset.slice(1).split(':').map(Number) as [number, number, number?];
  return sign * (hh * 3600 + mm * 60 + (ss ?? 0));
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
