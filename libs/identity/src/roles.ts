import { UserId } from '@saga/contracts';

/**
 * What a caller may do besides acting as themselves: `admin` runs the shop (catalogue, stock, wallet
 * credits, refunds on anyone's order), `operator` runs the system (sagas, dead letters, resume).
 */
export const Role = { Admin: 'admin', Operator: 'operator' } as const;
export type Role = (typeof Role)[keyof typeof Role];

const knownRoles = new Set<string>(Object.values(Role));

/** Who is calling: the token's subject and the roles it grants. */
export interface Caller {
  readonly userId: string;
  readonly roles: readonly Role[];
}

/** A verified token whose claims name no usable caller. */
export class InvalidClaimsError extends Error {
  constructor(reason: string) {
    super(`the token ${reason}`);
    this.name = 'InvalidClaimsError';
  }
}

/**
 * The caller a verified token names: its `sub` is the user id (well formed, as every user id is), its
 * `roles` claim (an array of strings, optional) the roles; a role this system does not know grants nothing.
 */
export function callerFromClaims(claims: Readonly<Record<string, unknown>>): Caller {
  const subject = UserId.safeParse(claims.sub);
  if (!subject.success) throw new InvalidClaimsError(`subject is not a user id (${subject.error.issues[0]?.message})`);
  const roles = claims.roles ?? [];
  if (!Array.isArray(roles) || !roles.every((role) => typeof role === 'string')) {
    throw new InvalidClaimsError('roles claim is not an array of strings');
  }
  return { userId: subject.data, roles: roles.filter((role): role is Role => knownRoles.has(role)) };
}
