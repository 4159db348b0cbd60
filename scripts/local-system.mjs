// What `npm start` and `npm run seed` share: the local defaults, the database, the seed.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { appEntry } = require('../libs/launcher/dist/index.js');
const pg = require('pg');

/**
 * The secret the local system's apps verify tokens with and `npm run token` signs them with: made once
 * per checkout in .run/dev-auth-secret (not committed), unless AUTH_JWT_SECRET is set.
 */
function devAuthSecret() {
  const file = fileURLToPath(new URL('../.run/dev-auth-secret', import.meta.url));
  if (!existsSync(file)) {
    mkdirSync(fileURLToPath(new URL('../.run', import.meta.url)), { recursive: true });
    writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}

const usesOwnKeys = Boolean(process.env.AUTH_JWT_PUBLIC_KEY || process.env.AUTH_JWKS_URL);

/** Environment of every app: the variables the caller set, else the local services and the dev issuer. */
export const localEnv = {
  DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/saga',
  AMQP_URL: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
  NAMESPACE: process.env.NAMESPACE ?? 'shop',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  HOST: process.env.HOST ?? '127.0.0.1',
  AUTH_ISSUER: process.env.AUTH_ISSUER ?? 'saga-dev',
  AUTH_AUDIENCE: process.env.AUTH_AUDIENCE ?? 'saga',
  ...(usesOwnKeys ? {} : { AUTH_JWT_SECRET: process.env.AUTH_JWT_SECRET ?? devAuthSecret() }),
};

/** Starts PostgreSQL and RabbitMQ if they are local and down (exits the process if they stay down). */
export function ensureServices() {
  execFileSync(process.execPath, [fileURLToPath(new URL('./ensure-services.mjs', import.meta.url))], {
    stdio: 'inherit',
    env: { ...process.env, ...localEnv },
  });
}

/** Creates the database of DATABASE_URL on its server if it does not exist yet. */
export async function ensureDatabase() {
  const url = new URL(localEnv.DATABASE_URL);
  const database = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (rowCount === 0) {
      await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
      console.log(`created database ${database}`);
    }
  } finally {
    await client.end();
  }
}

/** Runs each worker's seed (migrations, then the demo catalogue, wallets and carts). */
export function seed() {
  for (const worker of ['inventory-worker', 'payment-worker', 'cart-worker']) {
    execFileSync(process.execPath, [appEntry(worker, 'seed.js')], {
      stdio: 'inherit',
      env: { ...process.env, ...localEnv },
    });
  }
}
