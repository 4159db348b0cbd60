// What `npm start` and `npm run seed` share: the local defaults, the database, the seed.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { appEntry } = require('../libs/launcher/dist/index.js');
const pg = require('pg');

/** Environment of every app: the variables the caller set, else the local services. */
export const localEnv = {
  DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/saga',
  AMQP_URL: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
  NAMESPACE: process.env.NAMESPACE ?? 'shop',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  HOST: process.env.HOST ?? '127.0.0.1',
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
