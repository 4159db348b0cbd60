import { createPublicKey } from 'node:crypto';
import { ConfigError } from '@saga/config';

/** Where the keys that verify a token come from. */
export type VerificationKey =
  | { readonly kind: 'secret'; readonly secret: string }
  | { readonly kind: 'public-key'; readonly pem: string }
  | { readonly kind: 'jwks'; readonly url: string };

/** How an app verifies its callers' tokens. */
export interface IdentitySettings {
  /** The `iss` a token must carry. */
  readonly issuer: string;
  /** The `aud` a token must carry (one of, if it lists several). */
  readonly audience: string;
  readonly key: VerificationKey;
  /** Failed authentications per address and minute before the address is answered 429. */
  readonly failuresPerMinute: number;
}

/** The variables of @saga/config authEnv, as parsed. */
export interface AuthConfig {
  readonly AUTH_ISSUER: string;
  readonly AUTH_AUDIENCE: string;
  readonly AUTH_JWT_SECRET?: string;
  readonly AUTH_JWT_PUBLIC_KEY?: string;
  readonly AUTH_JWKS_URL?: string;
  readonly AUTH_FAILURES_PER_MINUTE: number;
}

const keyVariables = ['AUTH_JWT_SECRET', 'AUTH_JWT_PUBLIC_KEY', 'AUTH_JWKS_URL'] as const;

/** The settings of AuthConfig; a ConfigError unless exactly one key source is set. */
export function identitySettingsFrom(config: AuthConfig): IdentitySettings {
  const given = keyVariables.filter((variable) => config[variable] !== undefined);
  if (given.length !== 1) {
    const problem =
      given.length === 0
        ? 'no key verifies tokens: set one of AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY, AUTH_JWKS_URL'
        : `set only one of ${given.join(', ')}`;
    throw new ConfigError([{ variable: given.length === 0 ? 'AUTH_JWT_SECRET' : given[1], problem }]);
  }
  return {
    issuer: config.AUTH_ISSUER,
    audience: config.AUTH_AUDIENCE,
    key: verificationKey(config),
    failuresPerMinute: config.AUTH_FAILURES_PER_MINUTE,
  };
}

function verificationKey(config: AuthConfig): VerificationKey {
  if (config.AUTH_JWT_SECRET !== undefined) return { kind: 'secret', secret: config.AUTH_JWT_SECRET };
  if (config.AUTH_JWKS_URL !== undefined) return { kind: 'jwks', url: config.AUTH_JWKS_URL };
  const pem = config.AUTH_JWT_PUBLIC_KEY!;
  try {
    createPublicKey(pem);
  } catch (error) {
    throw new ConfigError([
      { variable: 'AUTH_JWT_PUBLIC_KEY', problem: `not a usable key (${(error as Error).message})` },
    ]);
  }
  return { kind: 'public-key', pem };
}

/** The signature algorithms a key may verify: HS256 for a secret, RS256 or ES256 for a public key. */
export function algorithmsFor(key: VerificationKey): ('HS256' | 'RS256' | 'ES256')[] {
  if (key.kind === 'secret') return ['HS256'];
  if (key.kind === 'jwks') return ['RS256', 'ES256'];
  return createPublicKey(key.pem).asymmetricKeyType === 'ec' ? ['ES256'] : ['RS256'];
}
