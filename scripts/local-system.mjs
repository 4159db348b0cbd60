// What `npm start` and `npm run seed` share: the local defaults, the database, the seed.
import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { appEntry } = require('../libs/launcher/dist/index.js');
const { defaultDeliveryLimit, setUpServiceLogins: setUpLogins } = require('../libs/provisioning/dist/index.js');
const { defaultBrokerRetryPolicy } = require('../libs/retry/dist/index.js');
const pg = require('pg');

/** A secret made once per checkout in .run/<name> (not committed). */
function checkoutSecret(name) {
  const file = fileURLToPath(new URL(`../.run/${name}`, import.meta.url));
  if (!existsSync(file)) {
    mkdirSync(fileURLToPath(new URL('../.run', import.meta.url)), { recursive: true });
    writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}

/**
 * The secret the local system's apps verify tokens with and `npm run token` signs them with
 * (.run/dev-auth-secret), unless AUTH_JWT_SECRET is set.
 */
function devAuthSecret() {
  return checkoutSecret('dev-auth-secret');
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

/** The development password of a service's logins on the compose stack (docker-compose.yml's, init.sql's). */
export const composePassword = (service) => `${service}-dev`;

/**
 * Sets up what the services log in as, with AMQP_URL and DATABASE_URL as administrators: the broker's
 * topology and one broker user per service, one database role per service owning its schema. The
 * passwords derive from .run/dev-service-secret, so a second npm start finds the same, unless
 * `passwordFor` gives them (composePassword on servers compose runs, so npm start and docker compose up
 * can take turns on one stack). Returns each app's AMQP_URL and DATABASE_URL.
 */
export async function setUpServiceLogins(passwordFor = checkoutPasswords()) {
  const retries = process.env.RETRY_DELAYS_MS?.split(',').length ?? defaultBrokerRetryPolicy.delaysMs.length;
  const logins = await setUpLogins({
    adminAmqpUrl: localEnv.AMQP_URL,
    managementUrl: process.env.RABBITMQ_MANAGEMENT_URL,
    adminDatabaseUrl: localEnv.DATABASE_URL,
    namespace: localEnv.NAMESPACE,
    failureOptions: { deliveryLimit: defaultDeliveryLimit, retries },
    passwordFor,
  });
  return Object.fromEntries(
    Object.entries(logins).map(([service, { amqpUrl, databaseUrl }]) => [
      service,
      { AMQP_URL: amqpUrl, DATABASE_URL: databaseUrl },
    ]),
  );
}

function checkoutPasswords() {
  const secret = checkoutSecret('dev-service-secret');
  return (service) => createHmac('sha256', secret).update(service).digest('hex').slice(0, 32);
}

/** Runs each worker's seed (migrations, then the demo catalogue, wallets and carts) as that worker. */
export function seed(logins) {
  for (const worker of ['inventory-worker', 'payment-worker', 'cart-worker', 'notification-worker']) {
    execFileSync(process.execPath, [appEntry(worker, 'seed.js')], {
      stdio: 'inherit',
      env: { ...process.env, ...localEnv, ...logins[worker] },
    });
  }
}
