import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { type ZodType, z } from 'zod';
import { BACKENDS, type BackendName } from '../domain/backend.ts';
import {
  BACKEND_SETTINGS,
  type BackendSettings,
  BUILD_BACKEND,
  backendVariables,
  isSecretVariable,
  type SettingLabels,
} from './backends.ts';
import { entryLabels } from './endpoint-labels.ts';
import { ENDPOINT_NAME, type EndpointConfig } from './endpoints.ts';
import { requiredUrl } from './fields.ts';
import { MAX_ENDPOINTS_FILE_BYTES, MAX_SECRET_FILE_BYTES, readConfigFile } from './file.ts';

/**
 * PLUGIN_GRAPH_ENDPOINTS_FILE (SPEC §10): a YAML file (JSON is YAML) listing
 * `endpoints: [{ name, backend, url, …settings }]`. Each setting is parsed by the zod schema of
 * the environment variable it stands for; a secret may also be `{ env: NAME }` or `{ file: PATH }`
 * (relative to the endpoints file's folder). Every problem is appended with its path in the file,
 * its entry named by its `name` (endpoint-labels.ts), and none quotes a value: a secret may be
 * written in the file itself. The file and its secret files are read as regular files of bounded
 * size (file.ts), and it lists at most MAX_ENDPOINTS.
 */

/** Far above any fleet; the file's byte cap (file.ts) is sized for this many entries. */
export const MAX_ENDPOINTS = 10_000;

/**
 * Keys that name Object.prototype's own machinery: copied into an object, `__proto__` would
 * replace its prototype (and settings could be inherited from it), so none is accepted anywhere.
 */
const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
const HEAD = z.object({
  name: z.string().regex(ENDPOINT_NAME, `must match ${ENDPOINT_NAME.source}`),
});
const BACKEND = z.enum(BACKENDS);
/**
 * What an entry of an unknown backend is still held to: the `url` every backend requires, and no
 * key that no backend has. Which other settings it needs, and their formats, depend on the backend.
 */
const COMMON = z.strictObject({
  ...Object.fromEntries(
    BACKENDS.flatMap((b) => Object.keys(BACKEND_SETTINGS[b])).map((key) => [
      key,
      z.unknown().optional(),
    ]),
  ),
  name: z.unknown().optional(),
  backend: z.unknown().optional(),
  url: requiredUrl,
});
/** Prototype keys listed one by one; past these, their count. */
const LISTED = 20;

export interface EndpointsFileSources {
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * The endpoints `path` lists, each built; their secrets are added to `secrets`. `taken` holds the
 * names the environment's endpoints already have (`hss` → `HSS_URL`): a file endpoint may not reuse one.
 */
export function readEndpointsFile(
  path: string,
  sources: EndpointsFileSources,
  problems: string[],
  secrets: string[],
  taken: ReadonlyMap<string, string>,
): EndpointConfig[] {
  const read = readConfigFile(path, MAX_ENDPOINTS_FILE_BYTES);
  if (!('text' in read)) {
    problems.push(`PLUGIN_GRAPH_ENDPOINTS_FILE: ${read.problem}`);
    return [];
  }
  const document = parseDocument(read.text);
  if (document.errors.length > 0) {
    // The parser's own message quotes the offending line, which may hold a secret: not shown.
    for (const error of document.errors) {
      const at = error.linePos?.[0];
      const where = at ? `line ${at.line}, column ${at.col}` : 'somewhere';
      problems.push(`PLUGIN_GRAPH_ENDPOINTS_FILE: not YAML or JSON at ${where} (${error.code})`);
    }
    return [];
  }
  let content: unknown;
  try {
    content = document.toJS();
  } catch {
    // yaml refuses to expand more aliases than its limit (a "billion laughs" file).
    problems.push('PLUGIN_GRAPH_ENDPOINTS_FILE: too many YAML aliases');
    return [];
  }
  const entry = entryLabels(content);
  const label = (path: readonly PropertyKey[]) => labelOf(path, entry);
  const prototypeKeys = prototypeKeyPaths(content);
  if (prototypeKeys.length > 0) {
    for (const at of prototypeKeys.slice(0, LISTED))
      problems.push(`${label(at)}: key not allowed (prototype keys are refused)`);
    if (prototypeKeys.length > LISTED)
      problems.push(`PLUGIN_GRAPH_ENDPOINTS_FILE: ${prototypeKeys.length - LISTED} more such keys`);
    return [];
  }
  // Counted before any entry is checked, so an oversized list is one problem, not one per entry.
  const count = z.object({ endpoints: z.array(z.unknown()) }).safeParse(content);
  if (count.success && count.data.endpoints.length > MAX_ENDPOINTS) {
    problems.push(
      `endpoints: lists ${count.data.endpoints.length} endpoints, at most ${MAX_ENDPOINTS} are allowed`,
    );
    return [];
  }
  const top = z
    .strictObject({ endpoints: z.array(z.record(z.string(), z.unknown())) })
    .safeParse(content);
  if (!top.success) {
    report(top.error.issues, [], problems, label);
    return [];
  }

  const folder = dirname(path);
  // One schema per backend, not per entry: zod compiles each object schema it builds.
  const schemas = new Map<BackendName, ReturnType<typeof settingsSchema>>();
  const endpoints: EndpointConfig[] = [];
  const seen = new Map<string, number>();
  for (const [index, fields] of top.data.endpoints.entries()) {
    const origin = entry(index);
    // An entry with any problem, its name's included, is left out: it is not an endpoint.
    const before = problems.length;
    const head = HEAD.safeParse(fields);
    if (head.success) {
      const { name } = head.data;
      const first = seen.get(name);
      if (first === undefined) seen.set(name, index);
      else problems.push(`${origin}.name: "${name}" is used twice (first at ${entry(first)})`);
      const variable = taken.get(name);
      if (variable !== undefined)
        problems.push(`${origin}.name: "${name}" is also the endpoint ${variable} configures`);
    } else report(head.error.issues, ['endpoints', index], problems, label);

    const backend = BACKEND.safeParse(fields.backend);
    if (!backend.success) {
      report(backend.error.issues, ['endpoints', index, 'backend'], problems, label);
      // The rest of the entry as far as it can be checked without its backend: one start-up
      // lists its every problem, not the next one once the backend is fixed.
      const common = COMMON.safeParse(fields);
      if (!common.success) report(common.error.issues, ['endpoints', index], problems, label);
      continue;
    }
    let schema = schemas.get(backend.data);
    if (schema === undefined) {
      schema = settingsSchema(backend.data, { ...sources, folder }, secrets);
      schemas.set(backend.data, schema);
    }
    const settings = schema.safeParse(fields);
    if (!settings.success) {
      report(settings.error.issues, ['endpoints', index], problems, label);
      continue;
    }
    const built = build(backend.data, settings.data, fileLabels(origin), problems);
    if (head.success && problems.length === before)
      endpoints.push({
        name: head.data.name,
        backend: backend.data,
        source: 'file',
        origin,
        settings: built,
      } as EndpointConfig);
  }
  return endpoints;
}

function build<B extends BackendName>(
  backend: B,
  settings: Record<string, unknown>,
  labels: SettingLabels,
  problems: string[],
) {
  // settingsSchema(backend) parses each setting with its variable's schema, so the shapes match.
  return BUILD_BACKEND[backend](settings as BackendSettings<B>, labels, problems);
}

function fileLabels(origin: string): SettingLabels {
  return {
    at: (setting) => `${origin}.${setting}`,
    of: (setting) => setting,
    endpoint: origin,
    whenConfigured: '',
  };
}

/**
 * One backend's entry: `name` and `backend` (checked apart), then its settings, each parsed by
 * its environment variable's schema, `url` required; unknown keys are problems.
 */
function settingsSchema(
  backend: BackendName,
  sources: EndpointsFileSources & { readonly folder: string },
  secrets: string[],
) {
  // Checked apart (HEAD, BACKEND): optional here, so a missing name is one problem, not two.
  const shape: Record<string, ZodType> = {
    name: z.unknown().optional(),
    backend: z.unknown().optional(),
  };
  for (const [setting, variable] of Object.entries(BACKEND_SETTINGS[backend])) {
    const schema: ZodType = backendVariables[variable];
    if (setting === 'url') shape[setting] = requiredUrl;
    else if (isSecretVariable(variable)) shape[setting] = secret(schema, sources, secrets);
    else shape[setting] = schema;
  }
  return z.strictObject(shape);
}

/** A literal, `{ env: NAME }` or `{ file: PATH }`, read and then parsed by `schema`. */
function secret(
  schema: ZodType,
  sources: EndpointsFileSources & { readonly folder: string },
  secrets: string[],
) {
  return z
    .union([
      z.string(),
      z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a variable name') }),
      z.strictObject({ file: z.string().min(1) }),
    ])
    .optional()
    .transform((ref, ctx) => {
      let value: string | undefined;
      if (ref === undefined || typeof ref === 'string') value = ref;
      else if ('env' in ref) {
        value = sources.env[ref.env];
        if (value === undefined || value.trim() === '') {
          ctx.issues.push({ code: 'custom', message: `env ${ref.env} is not set`, input: ref });
          return z.NEVER;
        }
      } else {
        const path = resolve(sources.folder, ref.file);
        const read = readConfigFile(path, MAX_SECRET_FILE_BYTES, `file ${path}`);
        if (!('text' in read)) {
          ctx.issues.push({ code: 'custom', message: read.problem, input: ref });
          return z.NEVER;
        }
        value = read.text.replace(/\r?\n$/, '');
      }
      const parsed = schema.safeParse(value);
      if (!parsed.success) {
        ctx.issues.push({ code: 'custom', message: 'not a valid secret', input: ref });
        return z.NEVER;
      }
      if (typeof parsed.data === 'string' && parsed.data !== '') secrets.push(parsed.data);
      return parsed.data;
    });
}

/**
 * The path of every key of PROTOTYPE_KEYS in `content`, at any depth, in the file's order. A loop,
 * not recursion: nesting is bounded by yaml's limit only; aliases may share an object, seen once.
 */
function prototypeKeyPaths(content: unknown): PropertyKey[][] {
  type Node = { readonly value: unknown; readonly path: PropertyKey[] };
  const found: PropertyKey[][] = [];
  const seen = new Set<object>();
  const pending: Node[] = [{ value: content, path: [] }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value, path } = next;
    const key = path.at(-1);
    if (typeof key === 'string' && PROTOTYPE_KEYS.has(key)) {
      found.push(path);
      continue;
    }
    if (typeof value !== 'object' || value === null || seen.has(value)) continue;
    seen.add(value);
    // Own keys: yaml and JSON alike define `__proto__` as an own key, not as the prototype.
    const entries = Object.entries(value);
    // Last first, so the stack pops them in the file's order.
    for (let i = entries.length - 1; i >= 0; i--) {
      const [name, child] = entries[i] as [string, unknown];
      // A scalar under an allowed key holds no key: not kept (a list of numbers stays cheap).
      if (!PROTOTYPE_KEYS.has(name) && (typeof child !== 'object' || child === null)) continue;
      pending.push({ value: child, path: [...path, Array.isArray(value) ? Number(name) : name] });
    }
  }
  return found;
}

/** Zod issues as problems: `endpoints[hss-eu].secretKey: message`. */
function report(
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly PropertyKey[],
  problems: string[],
  label: (path: readonly PropertyKey[]) => string,
): void {
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    const unknown = issue.code === 'unrecognized_keys' ? issue.keys : [];
    if (unknown.length > 0) {
      for (const key of unknown) problems.push(`${label([...path, key])}: unknown key`);
      continue;
    }
    problems.push(`${label(path) || 'PLUGIN_GRAPH_ENDPOINTS_FILE'}: ${issue.message}`);
  }
}

/** A path in the file as problems write it; `endpoints[i]` is the entry's label (`entry`). */
function labelOf(path: readonly PropertyKey[], entry: (index: number) => string): string {
  const [list, index] = path;
  const named = list === 'endpoints' && typeof index === 'number';
  let text = named ? entry(index) : '';
  for (const part of named ? path.slice(2) : path) {
    if (typeof part === 'number') text += `[${part}]`;
    else text += text === '' ? String(part) : `.${String(part)}`;
  }
  return text;
}
