import { idGrammar } from '../id-grammar.ts';

/**
 * ZStack resource uuid, a path segment of `/v1/external/plugins/{uuid}`. ZStack stores 32
 * lower-case hex digits; the dashed and upper-case spellings are accepted and sent in that
 * canonical form, since ZStack answers an unknown uuid with success (vendor-apis.md §2) and
 * would otherwise report a delete that deleted nothing. One spelling also means one lock key.
 */
export const zstackUuid = idGrammar({
  max: 36,
  pattern: /^[0-9a-f]{32}$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  description: 'a ZStack uuid (32 hex digits, dashes allowed)',
}).transform((uuid) => uuid.replaceAll('-', '').toLowerCase());

/**
 * Driver name of RefreshPluginDrivers (`prometheus`, `ceph-external`), sent in the body and part
 * of the conflict lock key: no surrounding whitespace (`" prometheus"` would take another lock),
 * no control characters, at most 255 characters.
 */
export const zstackDriverName = idGrammar({
  max: 255,
  pattern: /^[A-Za-z0-9][A-Za-z0-9._ -]*$/,
  description:
    'a driver name: letters, digits, spaces, ".", "_" or "-", starting with a letter or digit',
});
