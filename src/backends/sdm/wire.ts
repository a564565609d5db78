import { type X2jOptions, XMLBuilder, XMLParser, type XmlBuilderOptions } from 'fast-xml-parser';
import { z } from 'zod';
import type { Host, Installation, Plugin } from '../../domain/model.ts';
import { distinctBy } from '../rows.ts';
import { longText, shortText } from '../wire-limits.ts';
import { hostStatus, installationStatus, pluginStatus, pluginVendorStatus } from './statuses.ts';

/**
 * Oracle SDM REST bodies (vendor-apis.md §1): XML in both directions. This file is the only one
 * that knows SDM element names; everything leaving it is a src/domain/model.ts shape.
 */

// ---------------------------------------------------------------------------------------------
// XML parsing

/** Elements that repeat: forced to arrays so one member parses like many. */
const REPEATED_TAGS: ReadonlySet<string> = new Set(['clusterMembers', 'pluginClusterMember']);
/** The list body nests `pluginInfos` in `pluginInfos`: only the inner one repeats. */
const REPEATED_PATHS: ReadonlySet<string> = new Set(['pluginInfos.pluginInfos']);

const XML_OPTIONS: Readonly<X2jOptions> = Object.freeze({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // Keep every value a string: versions like `9.0` or ids like `007` must not become numbers.
  parseTagValue: false,
  trimValues: true,
  processEntities: true,
  // Also decodes numeric references (`&#38;`), which Java XML writers emit for some characters.
  htmlEntities: true,
  isArray: (name: string, path: unknown) =>
    REPEATED_TAGS.has(name) || (typeof path === 'string' && REPEATED_PATHS.has(path)),
});

const parser = new XMLParser(XML_OPTIONS);

/** Parses an XML document; throws on anything that is not well-formed (a cut-off body). */
export function parseXml(body: string): unknown {
  return parser.parse(body, true);
}

// ---------------------------------------------------------------------------------------------
// XML writing (request bodies here, response bodies in the simulator)

/** A string is an element's text; an array repeats the element; an object holds child elements. */
export type XmlValue = string | readonly (string | XmlChildren)[] | XmlChildren;
export interface XmlChildren {
  readonly [name: string]: XmlValue | undefined;
}

/**
 * Compact output (SDM's examples have no indentation), `<name/>` for an empty value, the five
 * markup characters escaped, undefined children left out. Attributes are on only for the
 * declaration's: an XML name never starts with `@`, so no element can turn into one.
 */
const XML_BUILDER_OPTIONS: Readonly<XmlBuilderOptions> = Object.freeze({
  format: false,
  suppressEmptyNode: true,
  processEntities: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
});

const builder = new XMLBuilder(XML_BUILDER_OPTIONS);

/** `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`, as the SDM examples show it. */
const DECLARATION = Object.freeze({
  '@_version': '1.0',
  '@_encoding': 'UTF-8',
  '@_standalone': 'yes',
});

/** A whole document with its declaration. */
export function renderXml(root: string, value: XmlValue): string {
  return builder.build({ '?xml': DECLARATION, [root]: value });
}

export function loginBody(userName: string, password: string): string {
  return renderXml('session', { userName, password });
}

export function actionBody(type: string): string {
  return renderXml('pluginAction', { type });
}

// ---------------------------------------------------------------------------------------------
// Schemas

/**
 * A leaf element; an empty element (`<description/>`) means absent. Bounded (wire-limits.ts): a
 * longer one makes the whole answer BACKEND_BAD_RESPONSE.
 */
const optText = shortText.optional().transform((v) => (v === '' ? undefined : v));
const optLongText = longText.optional().transform((v) => (v === '' ? undefined : v));

const optInt = optText.transform((v) =>
  v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined,
);

/** An element that may be empty (`<pageInfo/>` parses as ''), else holds children. */
function container<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => (v === '' ? {} : v), schema);
}

/** A repeated element; empty occurrences (`<clusterMembers/>`) carry nothing and are dropped. */
function repeated<T extends z.ZodType>(item: T) {
  return z.preprocess(
    (v) => (Array.isArray(v) ? v.filter((x) => typeof x === 'object' && x !== null) : v),
    z.array(item),
  );
}

const member = z.object({
  ipAddress: shortText.min(1),
  clusterMemberStatus: optText,
  pluginStatus: optText,
  uploadedDate: optText,
  lastModifiedDate: optText,
});
export type SdmMember = z.output<typeof member>;

const pluginInfo = z
  .object({
    id: shortText.min(1),
    name: optText,
    description: optLongText,
    version: optText,
    previousVersion: optText,
    packageName: optText,
    product: optText,
    type: optText,
    vendor: optText,
    emPluginAPIVersion: optText,
    restPrefixName: optText,
    // v1.2+ shape: repeated <clusterMembers> directly in the plug-in.
    clusterMembers: repeated(member).optional(),
    // v1.1 shape: <pluginClusterMembers><pluginClusterMember>…</pluginClusterMember></pluginClusterMembers>.
    pluginClusterMembers: container(
      z.object({ pluginClusterMember: repeated(member).optional() }),
    ).optional(),
  })
  .transform(({ clusterMembers, pluginClusterMembers, ...info }) => {
    const members =
      clusterMembers ??
      pluginClusterMembers?.pluginClusterMember ??
      (pluginClusterMembers === undefined ? undefined : []);
    return {
      ...info,
      /**
       * Undefined when the body carried no member element at all (as opposed to an empty list).
       * Each address once: a repeated member would be a second installation with the same id.
       */
      members: members && distinctBy(members, (m) => m.ipAddress),
    };
  });
export type SdmPluginInfo = z.output<typeof pluginInfo>;

/** Get Plug-in Information. */
export const pluginInfoDocument = z.object({ pluginInfo: container(pluginInfo) });

/** Get All Plug-ins: the outer and the repeated inner element are both named `pluginInfos`. */
export const pluginListDocument = z.object({
  pluginInfos: container(
    z.object({
      pageInfo: container(
        z.object({ limitation: optInt, numberOfElements: optInt, offset: optInt }),
      ).optional(),
      pluginInfos: repeated(pluginInfo).optional(),
    }),
  ),
});

/** Login request (parsed by the simulator). */
export const sessionDocument = z.object({
  session: z.object({ userName: z.string(), password: z.string().optional().default('') }),
});

/** Perform a Plug-in Action request (parsed by the simulator). */
export const pluginActionDocument = z.object({ pluginAction: z.object({ type: z.string() }) });

// ---------------------------------------------------------------------------------------------
// Vendor -> domain

const SDM_DATE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3})\d*)?$/;

/** `yyyy-MM-dd HH:mm:ss`, taken as UTC (SDM gives no zone); anything unreadable is absent. */
export function parseSdmDate(raw: string | undefined): Date | undefined {
  if (raw === undefined) return undefined;
  const m = SDM_DATE.exec(raw.trim());
  if (!m) {
    // Tolerate an ISO timestamp with a zone, should a newer release send one.
    const parsed = /T.*(Z|[+-]\d\d:?\d\d)$/.test(raw) ? Date.parse(raw) : Number.NaN;
    return Number.isFinite(parsed) ? new Date(parsed) : undefined;
  }
  const [, y, mo, d, h, mi, s, ms] = m.map(Number) as number[];
  const date = new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!, Number.isNaN(ms) ? 0 : ms!));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export function formatSdmDate(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

export function toPlugin(info: SdmPluginInfo, members: readonly SdmMember[]): Plugin {
  return {
    backend: 'sdm',
    nativeId: info.id,
    name: info.name ?? info.id,
    description: info.description,
    version: info.version,
    vendor: info.vendor,
    status: pluginStatus(members),
    vendorStatus: pluginVendorStatus(members),
  };
}

export function installationId(pluginId: string, ipAddress: string): string {
  return `${pluginId}@${ipAddress}`;
}

export function toInstallation(pluginId: string, m: SdmMember): Installation {
  const status = installationStatus(m.pluginStatus);
  const updatedAt = parseSdmDate(m.lastModifiedDate);
  return {
    backend: 'sdm',
    nativeId: installationId(pluginId, m.ipAddress),
    pluginNativeId: pluginId,
    hostNativeId: m.ipAddress,
    status,
    vendorStatus: m.pluginStatus,
    // SDM keeps one timestamp per member; on an installed member its last change was the install.
    installedAt: status === 'INSTALLED' ? updatedAt : undefined,
    updatedAt,
  };
}

export function toHost(m: SdmMember): Host {
  return {
    backend: 'sdm',
    nativeId: m.ipAddress,
    // Members are known by address only: SDM publishes no host name for them.
    name: m.ipAddress,
    address: m.ipAddress,
    status: hostStatus(m.clusterMemberStatus),
  };
}

/** Distinct hosts over every plug-in's members; a known status wins over UNKNOWN. */
export function distinctHosts(memberLists: readonly (readonly SdmMember[])[]): Host[] {
  const hosts = new Map<string, Host>();
  for (const m of memberLists.flat()) {
    const host = toHost(m);
    const seen = hosts.get(host.nativeId);
    if (!seen || (seen.status === 'UNKNOWN' && host.status !== 'UNKNOWN'))
      hosts.set(host.nativeId, host);
  }
  return [...hosts.values()];
}
