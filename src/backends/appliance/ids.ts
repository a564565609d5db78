import { idGrammar } from '../id-grammar.ts';

/**
 * Update version, a path segment of `/appliance/update-manager/updates/{update_version}/…`
 * (`9.0.3.0`). Starts with a letter or digit, so never `.` or `..`.
 */
export const applianceVersion = idGrammar({
  max: 64,
  pattern: /^[0-9A-Za-z][0-9A-Za-z._-]*$/,
  description: 'letters, digits, dots, dashes or underscores, starting with a letter or digit',
});
