import type { Role } from './roles';

/**
 * Who may call a route. `anyone`: no token needed (health, the catalogue, webhooks that carry their
 * own signature). `signed-in`: any caller with a valid token, acting as the token's subject (the
 * shopper's `/me/...` routes). `{ roles }`: a caller holding one of the roles.
 */
export type Access = 'anyone' | 'signed-in' | { readonly roles: readonly [Role, ...Role[]] };

/** Access for callers holding any one of the roles. */
export function staff(...roles: [Role, ...Role[]]): Access {
  return { roles };
}
