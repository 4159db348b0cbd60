import fastifyJwt, { type TokenOrHeader } from '@fastify/jwt';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import buildGetJwks from 'get-jwks';
import {
  algorithmsFor,
  callerFromClaims,
  InvalidClaimsError,
  type Access,
  type Caller,
  type IdentitySettings,
} from '@saga/identity';
import { HttpProblem } from './http-problem';
import { RateLimit } from './rate-limit';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route; every route says, or the app refuses to start. */
    access?: Access;
  }
  interface FastifyRequest {
    /** The verified caller, on a route whose access is not `anyone`. */
    caller: Caller | null;
  }
}

/** Routes the platform serves to anyone on every app: probes and metrics (scraped on the private network). */
export const platformRoutes: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

const bearer = 'Bearer realm="saga"';

/**
 * Bearer-token identity for an app: every route declares its `config.access` (a route that does not
 * fails the app's start), and before a non-public route is routed the token is verified (signature,
 * `iss`, `aud`, `exp`) and its caller checked against the route. No token or a bad one: 401; the
 * wrong role: 403; an address that failed too often: 429 with Retry-After, before any verification.
 */
export function registerIdentity(app: FastifyInstance, settings: IdentitySettings): void {
  const failures = new RateLimit({
    what: 'failed authentications',
    points: settings.failuresPerMinute,
    perSeconds: 60,
  });
  void app.register(fastifyJwt, {
    secret: verificationSecret(settings),
    decode: { complete: true },
    verify: {
      allowedIss: settings.issuer,
      allowedAud: settings.audience,
      algorithms: algorithmsFor(settings.key),
      requiredClaims: ['sub', 'exp'],
    },
  });
  app.decorateRequest('caller', null);

  app.addHook('onRoute', (route) => {
    if (route.config?.access === undefined && !platformRoutes.has(route.url)) {
      throw new Error(`${String(route.method)} ${route.url} declares no config.access: say who may call it`);
    }
  });

  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config.access;
    if (access === undefined || access === 'anyone') return;
    await failures.refuseIfSpent(request.ip);
    const caller = await authenticate(request).catch(async (error: unknown) => {
      if (error instanceof HttpProblem && error.status === 401 && request.headers.authorization !== undefined) {
        await failures.count(request.ip);
      }
      throw error;
    });
    if (access !== 'signed-in' && !caller.roles.some((role) => access.roles.includes(role))) {
      throw HttpProblem.of(403, `this route needs the role ${access.roles.join(' or ')}`, {
        roles: access.roles,
      });
    }
    request.caller = caller;
  });
}

/** The verified caller of a route that is not `anyone`. */
export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new Error(`${request.method} ${request.url} has no caller: its access is anyone`);
  return request.caller;
}

async function authenticate(request: FastifyRequest): Promise<Caller> {
  if (request.headers.authorization === undefined) {
    throw unauthenticated('this route needs a bearer token: Authorization: Bearer <token>', bearer);
  }
  if (!/^Bearer [\w-]+\.[\w-]+\.[\w-]*$/.test(request.headers.authorization)) {
    throw unauthenticated('the header must be Authorization: Bearer <token>', `${bearer}, error="invalid_request"`);
  }
  let claims: Record<string, unknown>;
  try {
    claims = await request.jwtVerify<Record<string, unknown>>();
  } catch (error) {
    if (error instanceof KeySourceUnavailableError) {
      throw HttpProblem.of(503, 'the keys that verify tokens cannot be fetched; retry shortly').withHeaders({
        'retry-after': '5',
      });
    }
    throw unauthenticated(`the token was refused: ${tokenFault(error)}`, `${bearer}, error="invalid_token"`);
  }
  try {
    return callerFromClaims(claims);
  } catch (error) {
    if (error instanceof InvalidClaimsError) throw unauthenticated(error.message, `${bearer}, error="invalid_token"`);
    throw error;
  }
}

function unauthenticated(detail: string, challenge: string): HttpProblem {
  return HttpProblem.of(401, detail).withHeaders({ 'www-authenticate': challenge });
}

/** Why a token was refused, in words that leak nothing about the keys. */
function tokenFault(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === 'FST_JWT_AUTHORIZATION_TOKEN_EXPIRED') return 'it has expired';
  const message = (error as Error).message ?? '';
  if (/\biss claim/.test(message)) return 'its issuer is not the one this system trusts';
  if (/\baud claim/.test(message)) return 'its audience is not this system';
  const required = /\b(\w+) claim is required/.exec(message);
  if (required) return `it has no ${required[1]} claim`;
  return 'it is malformed or its signature does not verify';
}

/** The JWKS could not be fetched (down, 5xx, not a key set): no fault of the caller's. */
class KeySourceUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`the JWKS could not be fetched: ${(cause as Error).message}`, { cause });
    this.name = 'KeySourceUnavailableError';
  }
}

type SecretCallback = (request: FastifyRequest, token: TokenOrHeader) => Promise<string>;

/** The key material @fastify/jwt verifies with: the secret, the PEM, or the JWKS key the token's kid names. */
function verificationSecret({ key }: IdentitySettings): string | { public: string } | SecretCallback {
  if (key.kind === 'secret') return key.secret;
  if (key.kind === 'public-key') return { public: key.pem };
  const url = new URL(key.url);
  const jwks = buildGetJwks({ jwksPath: url.pathname + url.search, providerDiscovery: false, ttl: 600_000 });
  return async (_request, token) => {
    const header = 'header' in token ? token.header : token;
    if (!header.kid) throw new Error('the token names no key (kid)');
    return jwks.getPublicKey({ domain: url.origin, kid: header.kid, alg: header.alg }).catch((error: unknown) => {
      if ((error as { code?: string }).code === 'JWK_NOT_FOUND') throw error;
      throw new KeySourceUnavailableError(error);
    });
  };
}
