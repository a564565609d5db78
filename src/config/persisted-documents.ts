import { createHash } from 'node:crypto';
import { z } from 'zod';
import { flag, optionalText } from './fields.ts';
import { readConfigFile } from './file.ts';

/**
 * Trusted documents (docs/persisted-documents.md): PLUGIN_GRAPH_TRUSTED_DOCUMENTS names a
 * manifest, a JSON object of `"<id>": "<document text>"` as GraphQL Codegen's client preset
 * (`persisted-documents.json`, sha256 ids) and relay-compiler's `persistConfig.file` (md5 ids by
 * default) write it. Read and checked here at start-up; each document's validity against the
 * schema is checked by the `checkDocument` the caller passes (config/ knows no GraphQL).
 */

export const persistedDocumentVariables = {
  PLUGIN_GRAPH_TRUSTED_DOCUMENTS: optionalText.describe(
    'Path of a persisted-documents manifest: a JSON object {"<id>": "<document>"} as GraphQL Codegen (persisted-documents.json) or relay-compiler (persistConfig.file) writes it. Requests may then name a document by documentId, doc_id or id, or by the SHA-256 of its text (automatic persisted queries); every document must validate against the schema at start-up',
  ),
  PLUGIN_GRAPH_TRUSTED_ONLY: flag(false).describe(
    "1 runs only the manifest's documents, on every transport: any other document text is refused with PERSISTED_QUERY_ONLY (GraphiQL and introspection included) and automatic persisted queries register nothing; needs PLUGIN_GRAPH_TRUSTED_DOCUMENTS",
  ),
};

/** A manifest far above any app's (a few thousand operations of a few KB each). */
export const MAX_TRUSTED_DOCUMENTS_BYTES = 16 * 1024 * 1024;
/** How many invalid documents are listed one by one; the rest are counted. */
const LISTED = 10;

/** The manifest, indexed the ways a request may name one of its documents. */
export interface TrustedDocuments {
  /** The manifest's path, for log lines. */
  readonly path: string;
  /** id -> text, as the manifest maps them. */
  readonly byId: ReadonlyMap<string, string>;
  /** SHA-256 (lower-case hex) of each text -> text: what an APQ hash or `sha256:<hex>` names. */
  readonly bySha256: ReadonlyMap<string, string>;
  /** Every text, for PLUGIN_GRAPH_TRUSTED_ONLY's check of a document sent as text. */
  readonly texts: ReadonlySet<string>;
}

export interface PersistedDocumentsConfig {
  /** PLUGIN_GRAPH_TRUSTED_DOCUMENTS, read and checked; undefined when unset. */
  readonly trustedDocuments?: TrustedDocuments | undefined;
  /** PLUGIN_GRAPH_TRUSTED_ONLY: only the manifest's documents run. */
  readonly trustedOnly: boolean;
}

/** Why a document text cannot run (a sentence), or undefined when it can. */
export type DocumentCheck = (text: string) => string | undefined;

const manifestSchema = z.record(z.string().min(1), z.string().min(1, 'is empty'));

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** An index over `byId` (the manifest's entries). */
export function indexTrustedDocuments(
  path: string,
  byId: ReadonlyMap<string, string>,
): TrustedDocuments {
  const bySha256 = new Map<string, string>();
  for (const text of byId.values()) bySha256.set(sha256Hex(text), text);
  return { path, byId, bySha256, texts: new Set(byId.values()) };
}

/** The two variables as Config holds them; problems appended to `problems`. */
export function persistedDocumentsConfig(
  e: { PLUGIN_GRAPH_TRUSTED_DOCUMENTS?: string | undefined; PLUGIN_GRAPH_TRUSTED_ONLY: boolean },
  problems: string[],
  checkDocument: DocumentCheck | undefined,
): PersistedDocumentsConfig {
  const path = e.PLUGIN_GRAPH_TRUSTED_DOCUMENTS;
  if (path === undefined) {
    if (e.PLUGIN_GRAPH_TRUSTED_ONLY)
      problems.push(
        'PLUGIN_GRAPH_TRUSTED_ONLY=1 needs PLUGIN_GRAPH_TRUSTED_DOCUMENTS (the documents to allow)',
      );
    return { trustedOnly: false };
  }
  const byId = readManifest(path, problems, checkDocument);
  return {
    ...(byId && { trustedDocuments: indexTrustedDocuments(path, byId) }),
    trustedOnly: e.PLUGIN_GRAPH_TRUSTED_ONLY,
  };
}

function readManifest(
  path: string,
  problems: string[],
  checkDocument: DocumentCheck | undefined,
): Map<string, string> | undefined {
  const name = 'PLUGIN_GRAPH_TRUSTED_DOCUMENTS';
  const read = readConfigFile(path, MAX_TRUSTED_DOCUMENTS_BYTES);
  if ('problem' in read) {
    problems.push(`${name}: ${read.problem}`);
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(read.text);
  } catch {
    problems.push(`${name}: ${path} is not JSON`);
    return undefined;
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` (entry ${JSON.stringify(String(issue.path[0]))})` : '';
    problems.push(
      `${name}: ${path} is not a JSON object of "<id>": "<document>" strings${where}: ${issue?.message ?? 'invalid'}`,
    );
    return undefined;
  }
  const byId = new Map(Object.entries(parsed.data));
  if (byId.size === 0) {
    problems.push(`${name}: ${path} holds no document`);
    return undefined;
  }
  if (!checkDocument) return byId;
  const invalid: string[] = [];
  for (const [id, text] of byId) {
    const problem = checkDocument(text);
    if (problem !== undefined) invalid.push(`document ${JSON.stringify(id)}: ${problem}`);
  }
  for (const line of invalid.slice(0, LISTED)) problems.push(`${name}: ${line}`);
  if (invalid.length > LISTED)
    problems.push(`${name}: and ${invalid.length - LISTED} more invalid documents`);
  return invalid.length === 0 ? byId : undefined;
}
