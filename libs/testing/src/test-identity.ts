import { randomBytes } from 'node:crypto';
import { identitySettingsFrom, issueToken, type IdentitySettings, type Role } from '@saga/identity';

/** A token issuer for one test system: the variables its apps verify with, and tokens they accept. */
export interface TestIdentity {
  /** AUTH_ISSUER, AUTH_AUDIENCE and AUTH_JWT_SECRET, to pass to the apps. */
  readonly env: Readonly<Record<string, string>>;
  /** What an app built in-process (createHttpApp) verifies with. */
  readonly settings: IdentitySettings;
  /** A token for the user, with the roles. */
  token(userId: string, ...roles: Role[]): string;
  /** The Authorization header of that token. */
  as(userId: string, ...roles: Role[]): { authorization: string };
}

/** A fresh secret, so no token of another run (or of the local system) verifies here. */
export function testIdentity(): TestIdentity {
  const env = {
    AUTH_ISSUER: 'saga-test',
    AUTH_AUDIENCE: 'saga',
    AUTH_JWT_SECRET: randomBytes(32).toString('hex'),
    // Specs send many bad tokens from one address on purpose; the limit itself has its own spec.
    AUTH_FAILURES_PER_MINUTE: '100000',
  };
  const settings = identitySettingsFrom({ ...env, AUTH_FAILURES_PER_MINUTE: Number(env.AUTH_FAILURES_PER_MINUTE) });
  const issuer = { issuer: env.AUTH_ISSUER, audience: env.AUTH_AUDIENCE, secret: env.AUTH_JWT_SECRET };
  const token = (userId: string, ...roles: Role[]) => issueToken(issuer, { userId, roles });
  return { env, settings, token, as: (userId, ...roles) => ({ authorization: `Bearer ${token(userId, ...roles)}` }) };
}
