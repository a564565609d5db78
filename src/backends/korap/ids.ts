import { idGrammar } from '../id-grammar.ts';

/**
 * Kustvakt OAuth2 client ids (`client_id`, `super_client_id`), sent in the form body. Kustvakt
 * generates them as base64 of random bytes, URL-safe (`52atrL0ajex_3_5imd9Mgw`) or padded
 * standard (`fCBbQkA2YzIxYmY1Ng==`, vendor-apis.md §5), so the grammar is that alphabet: no
 * whitespace, CR/LF or other control characters, at most 255 characters.
 */
export const korapClientId = idGrammar({
  max: 255,
  pattern: /^[A-Za-z0-9_+/=-]+$/,
  description: 'a KorAP client id: letters, digits, "-", "_", "+", "/" or "="',
});
