#!/usr/bin/env node
// npm run token -- <userId> [--role admin|operator]... [--ttl 8h]: prints a bearer token the local
// system accepts, signed with its development secret (see local-system.mjs). It is the development
// issuer only: a system configured with AUTH_JWT_PUBLIC_KEY or AUTH_JWKS_URL trusts none of its tokens.
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { localEnv } from './local-system.mjs';

const require = createRequire(import.meta.url);
const { issueToken, Role } = require('../libs/identity/dist/index.js');

const usage = 'usage: npm run token -- <userId> [--role admin|operator]... [--ttl 60m|8h|7d]';
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { role: { type: 'string', multiple: true, default: [] }, ttl: { type: 'string', default: '8h' } },
});
const [userId] = positionals;
const roles = values.role;
const ttl = /^([1-9]\d*)([mhd])$/.exec(values.ttl);
const unknown = roles.filter((role) => !Object.values(Role).includes(role));
if (!userId || positionals.length > 1 || !ttl || unknown.length > 0) {
  console.error(unknown.length > 0 ? `unknown role ${unknown.join(', ')}; ${usage}` : usage);
  process.exit(2);
}
if (!localEnv.AUTH_JWT_SECRET) {
  console.error(
    'this system verifies tokens with AUTH_JWT_PUBLIC_KEY or AUTH_JWKS_URL: get one from its identity provider',
  );
  process.exit(1);
}
const ttlSeconds = Number(ttl[1]) * { m: 60, h: 3600, d: 86_400 }[ttl[2]];
process.stdout.write(
  `${issueToken(
    { issuer: localEnv.AUTH_ISSUER, audience: localEnv.AUTH_AUDIENCE, secret: localEnv.AUTH_JWT_SECRET },
    { userId, roles, ttlSeconds },
  )}\n`,
);
