import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSigner } from 'fast-jwt';
import { createLogger } from '@saga/observability';
import { identitySettingsFrom, Role, staff, type IdentitySettings } from '@saga/identity';
import { testIdentity } from '@saga/testing';
import { createHttpApp, type HttpOptions } from './create-http-app';
import { callerOf } from './identity';

const logger = createLogger({ service: 'identity-spec', level: 'error' });

/** An app with one route per kind of access, answering with the caller it saw. */
async function appWith(settings: IdentitySettings, options: Partial<HttpOptions> = {}) {
  const app = await createHttpApp(logger, settings, { service: 'identity-spec', ...options });
  app.get('/catalogue', { config: { access: 'anyone' } }, async (request) => ({ caller: request.caller }));
  app.get('/me', { config: { access: 'signed-in' } }, async (request) => callerOf(request));
  app.get('/admin/stock', { config: { access: staff(Role.Admin) } }, async (request) => callerOf(request));
  app.get('/sagas', { config: { access: staff(Role.Operator, Role.Admin) } }, async (request) => callerOf(request));
  await app.ready();
  return app;
}

describe('bearer-token identity', () => {
  const identity = testIdentity();
  const secret = identity.env.AUTH_JWT_SECRET;
  const sign = (claims: Record<string, unknown>, options: Record<string, unknown> = {}) =>
    createSigner({ key: secret, algorithm: 'HS256', ...options })(claims);
  const valid = { sub: 'alice', iss: 'saga-test', aud: 'saga', exp: Math.floor(Date.now() / 1000) + 60 };
  let app: Awaited<ReturnType<typeof appWith>>;
  beforeAll(async () => {
    app = await appWith(identity.settings);
  });
  afterAll(() => app.close());

  const get = (url: string, token?: string) =>
    app.inject({ method: 'GET', url, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });

  it('lets anyone call an `anyone` route, token or not', async () => {
    expect((await get('/catalogue')).json()).toEqual({ caller: null });
    expect((await get('/catalogue', 'garbage')).statusCode).toBe(200);
  });

  it('answers a signed-in route without a token 401 problem+json with a Bearer challenge', async () => {
    const response = await get('/me');

    expect(response.statusCode).toBe(401);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="saga"');
    expect(response.json()).toMatchObject({
      type: '/problems/401',
      title: 'Authentication required',
      status: 401,
      detail: 'this route needs a bearer token: Authorization: Bearer <token>',
    });
  });

  it("makes the token's subject the caller, with the roles it knows", async () => {
    const response = await get('/me', sign({ ...valid, roles: ['operator', 'superuser'] }));

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ userId: 'alice', roles: ['operator'] });
  });

  it.each([
    ['expired', sign({ ...valid, exp: Math.floor(Date.now() / 1000) - 5 }), 'it has expired'],
    ['of another issuer', sign({ ...valid, iss: 'evil' }), 'its issuer is not the one this system trusts'],
    ['for another audience', sign({ ...valid, aud: 'other-system' }), 'its audience is not this system'],
    ['without an expiry', sign({ sub: 'alice', iss: 'saga-test', aud: 'saga' }), 'it has no exp claim'],
    ['without a subject', sign({ ...valid, sub: undefined }), 'it has no sub claim'],
    [
      'signed with another key',
      createSigner({ key: randomBytes(32).toString('hex') })(valid),
      'it is malformed or its signature does not verify',
    ],
    [
      'unsigned (alg none)',
      createSigner({ algorithm: 'none' })(valid),
      'it is malformed or its signature does not verify',
    ],
    ['not a JWT', 'not.a.jwt', 'it is malformed or its signature does not verify'],
    ['naming a subject with a NUL byte', sign({ ...valid, sub: 'ali\u0000ce' }), 'subject is not a user id'],
  ])('refuses a token %s with 401 and says why', async (_case, token, why) => {
    const response = await get('/me', token);

    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="saga", error="invalid_token"');
    expect(response.json().detail).toContain(why);
  });

  it('refuses a header that is not a Bearer token with 401', async () => {
    const response = await app.inject({ method: 'GET', url: '/me', headers: { authorization: 'Basic YWxpY2U6eA==' } });

    expect(response.statusCode).toBe(401);
    expect(response.json().detail).toContain('Authorization: Bearer <token>');
  });

  it('answers a valid token without the role 403, naming the roles that would do', async () => {
    const response = await get('/admin/stock', identity.token('alice', Role.Operator));

    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({
      type: '/problems/403',
      title: 'Forbidden',
      detail: 'this route needs the role admin',
      roles: ['admin'],
    });
  });

  it('lets a caller with any one of the roles in', async () => {
    expect((await get('/sagas', identity.token('ops', Role.Operator))).statusCode).toBe(200);
    expect((await get('/sagas', identity.token('boss', Role.Admin))).statusCode).toBe(200);
    expect((await get('/admin/stock', identity.token('boss', Role.Admin))).json()).toEqual({
      userId: 'boss',
      roles: ['admin'],
    });
  });

  it('refuses to start an app with a route that does not say who may call it', async () => {
    const open = await createHttpApp(logger, identity.settings, { service: 'identity-spec' });

    expect(() => open.get('/forgotten', async () => 'open')).toThrow(
      'GET /forgotten declares no config.access: say who may call it',
    );
    await open.close();
  });
});

describe('failed authentications per address', () => {
  it('answers 429 with Retry-After once an address failed too often, even with a good token', async () => {
    const identity = testIdentity();
    const app = await appWith({ ...identity.settings, failuresPerMinute: 3 });
    const attempt = (authorization: string) => app.inject({ method: 'GET', url: '/me', headers: { authorization } });

    for (let i = 0; i < 3; i++) expect((await attempt('Bearer forged')).statusCode).toBe(401);
    const refused = await attempt(identity.as('alice').authorization);

    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(refused.json()).toMatchObject({ type: '/problems/429', title: 'Too many requests' });
    // Another address is not affected.
    const elsewhere = await app.inject({
      method: 'GET',
      url: '/me',
      remoteAddress: '10.0.0.9',
      headers: identity.as('alice'),
    });
    expect(elsewhere.statusCode).toBe(200);
    await app.close();
  });

  it('tells clients behind a trusted proxy apart by X-Forwarded-For, and trusts no header by default', async () => {
    const identity = testIdentity();
    const behindProxy = await appWith({ ...identity.settings, failuresPerMinute: 1 }, { trustProxy: 1 });
    const direct = await appWith({ ...identity.settings, failuresPerMinute: 1 });
    const attempt = (app: typeof direct, client: string, authorization: string) =>
      app.inject({ method: 'GET', url: '/me', headers: { authorization, 'x-forwarded-for': client } });

    await attempt(behindProxy, '203.0.113.7', 'Bearer forged');
    await attempt(direct, '203.0.113.7', 'Bearer forged');

    expect((await attempt(behindProxy, '203.0.113.7', identity.as('a').authorization)).statusCode).toBe(429);
    expect((await attempt(behindProxy, '198.51.100.2', identity.as('b').authorization)).statusCode).toBe(200);
    // Without a trusted proxy the header is the client's own claim: changing it escapes nothing.
    expect((await attempt(direct, '198.51.100.2', identity.as('b').authorization)).statusCode).toBe(429);
    await Promise.all([behindProxy.close(), direct.close()]);
  });

  it('does not count a request that came without a token', async () => {
    const identity = testIdentity();
    const app = await appWith({ ...identity.settings, failuresPerMinute: 2 });
    for (let i = 0; i < 5; i++) expect((await app.inject({ method: 'GET', url: '/me' })).statusCode).toBe(401);

    expect((await app.inject({ method: 'GET', url: '/me', headers: identity.as('alice') })).statusCode).toBe(200);
    await app.close();
  });
});

describe('keys from a public key and from a JWKS URL', () => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const claims = { sub: 'carol', iss: 'https://idp.example', aud: 'shop', exp: Math.floor(Date.now() / 1000) + 60 };
  const signRs256 = (kid?: string) => createSigner({ key: privatePem, algorithm: 'RS256', kid })(claims);
  const config = { AUTH_ISSUER: 'https://idp.example', AUTH_AUDIENCE: 'shop', AUTH_FAILURES_PER_MINUTE: 1000 };

  it('verifies RS256 tokens with AUTH_JWT_PUBLIC_KEY, and refuses an HS256 one signed with that key', async () => {
    const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const app = await appWith(identitySettingsFrom({ ...config, AUTH_JWT_PUBLIC_KEY: publicPem }));
    const hs256WithPublicKey = createSigner({ key: publicPem, algorithm: 'HS256' })(claims);

    expect((await app.inject({ url: '/me', headers: { authorization: `Bearer ${signRs256()}` } })).json()).toEqual({
      userId: 'carol',
      roles: [],
    });
    expect(
      (await app.inject({ url: '/me', headers: { authorization: `Bearer ${hs256WithPublicKey}` } })).statusCode,
    ).toBe(401);
    await app.close();
  });

  describe('with AUTH_JWKS_URL', () => {
    let server: Server;
    let jwksUrl: string;
    let fetched = 0;
    beforeAll(async () => {
      const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'key-1', alg: 'RS256', use: 'sig' };
      server = createServer((request, response) => {
        fetched++;
        if (request.url !== '/keys/jwks.json') return void response.writeHead(404).end();
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/keys/jwks.json`;
    });
    afterAll(() => new Promise((resolve) => server.close(resolve)));

    it('verifies a token with the key its kid names, fetched once and cached', async () => {
      const app = await appWith(identitySettingsFrom({ ...config, AUTH_JWKS_URL: jwksUrl }));
      const authorization = `Bearer ${signRs256('key-1')}`;

      expect((await app.inject({ url: '/me', headers: { authorization } })).statusCode).toBe(200);
      expect((await app.inject({ url: '/me', headers: { authorization } })).statusCode).toBe(200);
      expect(fetched).toBe(1);
      expect(
        (await app.inject({ url: '/me', headers: { authorization: `Bearer ${signRs256('key-2')}` } })).statusCode,
      ).toBe(401);
      expect((await app.inject({ url: '/me', headers: { authorization: `Bearer ${signRs256()}` } })).statusCode).toBe(
        401,
      );
      await app.close();
    });

    it('answers 503 while the JWKS cannot be fetched: the caller is not at fault', async () => {
      const app = await appWith(identitySettingsFrom({ ...config, AUTH_JWKS_URL: `${jwksUrl}.missing` }));

      const response = await app.inject({ url: '/me', headers: { authorization: `Bearer ${signRs256('key-1')}` } });

      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('5');
      await app.close();
    });
  });

  it('refuses a configuration with no key or with two', () => {
    expect(() => identitySettingsFrom(config)).toThrow(/AUTH_JWT_SECRET: no key verifies tokens/);
    expect(() =>
      identitySettingsFrom({ ...config, AUTH_JWT_SECRET: 'x'.repeat(32), AUTH_JWKS_URL: 'https://idp/jwks.json' }),
    ).toThrow(/set only one of AUTH_JWT_SECRET, AUTH_JWKS_URL/);
  });
});
