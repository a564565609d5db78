import { idGrammar } from '../id-grammar.ts';

/**
 * HSS ids (vendor-apis.md §3, seed 002). `project_id` is a path segment of `/v5/{project_id}/…`
 * and `enterprise_project_id` a query parameter, both 1-256 characters as documented (Huawei's
 * are 32 hex digits, or `0` / `all_granted_eps`); `plugin_code` is 1-64 characters; host ids
 * have no published range (ECS server ids are uuids): 128 at most, so that a few dozen of them
 * still fit one poll's URL (poll-chunks.ts). None may be `.` or `..`.
 */
const SCOPE = /^[A-Za-z0-9_-]+$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const NAME_TEXT = 'letters, digits, ".", "_" or "-", starting with a letter or digit';

export const hssProjectId = idGrammar({
  max: 256,
  pattern: SCOPE,
  description: 'an HSS project id: letters, digits, "_" or "-"',
});

export const hssEnterpriseProjectId = idGrammar({
  max: 256,
  pattern: SCOPE,
  description: 'an enterprise project id: letters, digits, "_" or "-"',
});

export const hssPluginCode = idGrammar({
  max: 64,
  pattern: NAME,
  description: `an HSS plugin code: ${NAME_TEXT}`,
});

export const hssHostId = idGrammar({
  max: 128,
  pattern: NAME,
  description: `an HSS host id: ${NAME_TEXT}`,
});

/**
 * Host ids in one call: the largest page HSS serves (`limit` ≤ 200), so the request body stays
 * small; the task's ListPluginStatus poll asks about them in URL-sized chunks (poll-chunks.ts).
 */
export const HSS_MAX_HOST_IDS = 200;
