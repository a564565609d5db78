import { decodeGlobalID } from '@pothos/plugin-relay';

/**
 * Id arguments take the global id (base64 of `Type:backend:nativeId`) or, for convenience, the
 * object id (`backend:nativeId`) or a vendor-native id. Returns the object id part of a global id
 * of the expected type, or undefined when `value` is not such a global id.
 */
export function fromGlobalId(value: string, typename: string): string | undefined {
  try {
    const decoded = decodeGlobalID(value);
    return decoded.typename === typename ? decoded.id : undefined;
  } catch {
    return undefined;
  }
}
