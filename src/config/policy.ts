import { parseDocument } from 'yaml';
import { z } from 'zod';
import type { Role } from './auth.ts';
import { optionalText } from './fields.ts';
import { readConfigFile } from './file.ts';

/**
 * Scoped access (SPEC §14): PLUGIN_GRAPH_POLICY_FILE grants roles per endpoint to users, groups
 * and roles; PLUGIN_GRAPH_JWT_GROUPS_CLAIM names the JWT claim a `group:` subject is matched
 * against. Parsed here (every problem listed with the others at start-up); compiled into a
 * lookup by src/auth/policy.ts.
 */
export const policyVariables = {
  PLUGIN_GRAPH_POLICY_FILE: optionalText.describe(
    'A YAML or JSON file of grants: which users (user:<name>), JWT groups (group:<name>) and roles (role:viewer|operator) see or operate which endpoints (names or globs like hss-*); unset: every role applies to every endpoint',
  ),
  PLUGIN_GRAPH_JWT_GROUPS_CLAIM: z
    .string()
    .min(1)
    .default('groups')
    .describe(
      "The JWT claim holding the user's groups, matched by group:<name> subjects of the policy file (a dotted path reaches a nested claim)",
    ),
};

/** One grant of the policy file: `role` on `endpoints` (every endpoint when absent) to `subjects`. */
export interface PolicyGrant {
  readonly subjects: readonly string[];
  readonly role: Role;
  /** Endpoint names or globs (`*` any run of characters, `?` one); undefined: every endpoint. */
  readonly endpoints?: readonly string[] | undefined;
}

/** The policy file, parsed: its grants in file order. */
export interface PolicyConfig {
  readonly grants: readonly PolicyGrant[];
}

/** The most a policy file may weigh: thousands of grants fit. */
export const MAX_POLICY_FILE_BYTES = 1024 * 1024;

const SUBJECT = /^(user:[\w.@-]{1,64}|group:[^\s]{1,256}|role:(viewer|operator))$/;
// An endpoint name (config/endpoints.ts ENDPOINT_NAME) where `*` and `?` may stand anywhere.
const ENDPOINT_PATTERN = /^[a-z0-9*?][a-z0-9*?-]{0,63}$/;

const policySchema = z.strictObject({
  grants: z.array(
    z.strictObject({
      subjects: z
        .array(
          z
            .string()
            .regex(SUBJECT, 'a subject is user:<name>, group:<name>, role:viewer or role:operator'),
        )
        .min(1),
      role: z.enum(['viewer', 'operator']),
      endpoints: z
        .array(
          z
            .string()
            .regex(ENDPOINT_PATTERN, 'an endpoint name, or a glob of one (* and ? as wildcards)'),
        )
        .optional(),
    }),
  ),
});

/**
 * The policy file at `path`, or undefined with its problems appended to `problems`. The file
 * holds no secret, yet a parser's message quoting a line is still not shown: only where.
 */
export function readPolicyFile(path: string, problems: string[]): PolicyConfig | undefined {
  const name = 'PLUGIN_GRAPH_POLICY_FILE';
  const read = readConfigFile(path, MAX_POLICY_FILE_BYTES);
  if ('problem' in read) {
    problems.push(`${name}: ${read.problem}`);
    return undefined;
  }
  const document = parseDocument(read.text);
  if (document.errors.length > 0) {
    for (const error of document.errors) {
      const at = error.linePos?.[0];
      const where = at ? `line ${at.line}, column ${at.col}` : 'somewhere';
      problems.push(`${name}: not YAML or JSON at ${where} (${error.code})`);
    }
    return undefined;
  }
  let content: unknown;
  try {
    content = document.toJS();
  } catch {
    // yaml refuses to expand more aliases than its limit (a "billion laughs" file).
    problems.push(`${name}: too many YAML aliases`);
    return undefined;
  }
  const parsed = policySchema.safeParse(content);
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      problems.push(`${name}: ${issue.path.join('.') || '(top)'}: ${issue.message}`);
    return undefined;
  }
  return parsed.data;
}

/** What the policy variables make of Config. */
export interface PolicyVariablesConfig {
  /** PLUGIN_GRAPH_POLICY_FILE's grants; undefined: roles apply to every endpoint (no file). */
  readonly policy?: PolicyConfig | undefined;
  /** PLUGIN_GRAPH_JWT_GROUPS_CLAIM: a claim name or a dotted path. */
  readonly jwtGroupsClaim: string;
}

export function policyConfig(
  e: { PLUGIN_GRAPH_POLICY_FILE?: string | undefined; PLUGIN_GRAPH_JWT_GROUPS_CLAIM: string },
  problems: string[],
): PolicyVariablesConfig {
  const file = e.PLUGIN_GRAPH_POLICY_FILE;
  return {
    policy: file === undefined ? undefined : readPolicyFile(file, problems),
    jwtGroupsClaim: e.PLUGIN_GRAPH_JWT_GROUPS_CLAIM,
  };
}
