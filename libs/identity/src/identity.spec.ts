import { createVerifier } from 'fast-jwt';
import { callerFromClaims, InvalidClaimsError, Role } from './roles';
import { issueToken } from './issue-token';
import { algorithmsFor, identitySettingsFrom } from './identity-settings';

const issuer = { issuer: 'saga-dev', audience: 'saga', secret: 'a'.repeat(32) };

describe('issueToken', () => {
  it('signs an HS256 token for the user with its roles, issuer, audience, expiry and a unique id', () => {
    const token = issueToken(issuer, { userId: 'alice', roles: [Role.Operator], ttlSeconds: 60 });
    const claims = createVerifier({ key: issuer.secret, allowedIss: 'saga-dev', allowedAud: 'saga' })(token);

    expect(claims).toMatchObject({ sub: 'alice', roles: ['operator'], iss: 'saga-dev', aud: 'saga' });
    expect(claims.exp - claims.iat).toBe(60);
    expect(issueToken(issuer, { userId: 'alice' })).not.toBe(issueToken(issuer, { userId: 'alice' }));
  });
});

describe('callerFromClaims', () => {
  it('makes the subject the user and keeps only the roles this system knows', () => {
    expect(callerFromClaims({ sub: 'bob', roles: ['admin', 'root', 'operator'] })).toEqual({
      userId: 'bob',
      roles: ['admin', 'operator'],
    });
    expect(callerFromClaims({ sub: 'carol' })).toEqual({ userId: 'carol', roles: [] });
  });

  it.each([
    [{ sub: '' }, /subject is not a user id/],
    [{ sub: 'x'.repeat(101) }, /subject is not a user id/],
    [{ sub: ' padded' }, /subject is not a user id/],
    [{ sub: 42 }, /subject is not a user id/],
    [{ sub: 'dan', roles: 'admin' }, /roles claim is not an array of strings/],
    [{ sub: 'dan', roles: [1] }, /roles claim is not an array of strings/],
  ])('refuses claims %j', (claims, reason) => {
    expect(() => callerFromClaims(claims)).toThrow(InvalidClaimsError);
    expect(() => callerFromClaims(claims)).toThrow(reason);
  });
});

describe('identitySettingsFrom', () => {
  const base = { AUTH_ISSUER: 'https://idp.example', AUTH_AUDIENCE: 'shop', AUTH_FAILURES_PER_MINUTE: 20 };

  it('verifies a secret with HS256 only, and a JWKS with RS256 or ES256', () => {
    expect(algorithmsFor(identitySettingsFrom({ ...base, AUTH_JWT_SECRET: 's'.repeat(32) }).key)).toEqual(['HS256']);
    expect(algorithmsFor(identitySettingsFrom({ ...base, AUTH_JWKS_URL: 'https://idp.example/jwks' }).key)).toEqual([
      'RS256',
      'ES256',
    ]);
  });

  it('refuses a public key that is no key', () => {
    const pem = '-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----';
    expect(() => identitySettingsFrom({ ...base, AUTH_JWT_PUBLIC_KEY: pem })).toThrow(
      /AUTH_JWT_PUBLIC_KEY: not a usable key/,
    );
  });
});
