/**
 * Thrown by an Authenticate (src/auth.ts) for a signed-in user whose JWT holds none of the roles:
 * they are who they say, with no right here. Transports answer FORBIDDEN (403), not
 * UNAUTHENTICATED: signing in again would not help. Here, not in src/jwt.ts, so that the
 * transports of src/http/ can tell it apart without importing the src/ root.
 */
export class NoRoleError extends Error {
  override readonly name = 'NoRoleError';
}
