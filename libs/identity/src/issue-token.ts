import { randomUUID } from 'node:crypto';
import { createSigner } from 'fast-jwt';
import type { Role } from './roles';

/** What signs tokens for a development or test system: the shared secret its apps verify with. */
export interface TokenIssuer {
  readonly issuer: string;
  readonly audience: string;
  readonly secret: string;
}

/** Who a token is for and for how long. */
export interface TokenRequest {
  readonly userId: string;
  readonly roles?: readonly Role[];
  /** Seconds the token is valid; an hour unless given. */
  readonly ttlSeconds?: number;
}

/**
 * A signed HS256 token for the development issuer: `sub` the user, `roles`, `iss`, `aud`, `iat`, `exp`
 * and a `jti`. Production tokens come from a real identity provider; the apps only verify.
 */
export function issueToken(issuer: TokenIssuer, { userId, roles = [], ttlSeconds = 3600 }: TokenRequest): string {
  const sign = createSigner({
    key: issuer.secret,
    algorithm: 'HS256',
    iss: issuer.issuer,
    aud: issuer.audience,
    sub: userId,
    jti: randomUUID(),
    expiresIn: ttlSeconds * 1000,
  });
  return sign({ roles });
}
