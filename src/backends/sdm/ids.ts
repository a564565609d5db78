import { idGrammar } from '../id-grammar.ts';

/**
 * SDM plug-in id, a path segment of `/admin/plugins/{pluginId}`. Oracle publishes only examples
 * (`ID7`), so the grammar is tolerant: letters, digits, `.`, `_`, `-`, starting with a letter or
 * digit (so never `.` or `..`), at most 64 characters.
 */
export const sdmPluginId = idGrammar({
  max: 64,
  pattern: /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
  description:
    'an SDM plug-in id: letters, digits, ".", "_" or "-", starting with a letter or digit',
});
