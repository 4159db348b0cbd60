import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { PreparingClient } from './prepared-query';
import { DataSource, MigrationExecutor, type EntityManager, type MixedList, type EntitySchema } from 'typeorm';

/** What a service needs to reach its own schema. */
export interface ServiceDataSourceOptions {
  /** postgres:// URL; every service may point at the same database, each in its own schema. */
  readonly url: string;
  /** The schema this service owns, e.g. `inventory`. */
  readonly schema: string;
  readonly entities: MixedList<Function | string | EntitySchema>;
  readonly migrations: MixedList<Function | string>;
  readonly poolSize?: number;
  readonly applicationName?: string;
}

/** A DataSource bound to one service schema; schema changes happen only through its migrations. */
export function createServiceDataSource(options: ServiceDataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    entities: options.entities,
    migrations: options.migrations,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    installExtensions: false,
    logging: false,
    applicationName: options.applicationName ?? options.schema,
    extra: { max: options.poolSize ?? 10, connectionTimeoutMillis: 5000, Client: PreparingClient },
  });
}

/**
 * Connects and runs pending migrations. Start-ups are serialised per schema with a Postgres advisory
 * lock, because TypeORM's migration runner takes none and two replicas starting together would race.
 */
export async function initializeDataSource(dataSource: DataSource): Promise<DataSource> {
  if (!dataSource.isInitialized) await dataSource.initialize();
  await migrate(dataSource);
  return dataSource;
}

/** Runs the pending migrations of the DataSource's schema under the schema's advisory lock. */
export async function migrate(dataSource: DataSource): Promise<void> {
  const schema = schemaOf(dataSource);
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [advisoryKey(`migrate:${schema}`)]);
    try {
      // With a schema set, TypeORM keeps its migrations table inside it but never creates the schema. A
      // service's own role may not create schemas (Postgres checks that before IF NOT EXISTS): look first.
      const [{ exists }] = await runner.query(
        'SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS exists',
        [schema],
      );
      if (!exists) await runner.query(`CREATE SCHEMA "${schema}"`);
      // On the connection that holds the lock: a second one may not exist (a pool of one).
      const executor = new MigrationExecutor(dataSource, runner);
      executor.transaction = 'each';
      await executor.executePendingMigrations();
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [advisoryKey(`migrate:${schema}`)]);
    }
  } finally {
    await runner.release();
  }
}

/** The schema a DataSource was created for. */
export function schemaOf(dataSource: DataSource): string {
  const schema = (dataSource.options as { schema?: string }).schema;
  if (!schema) throw new Error('the DataSource has no schema; create it with createServiceDataSource');
  return schema;
}

/** Whether the database answers a trivial query within the timeout; used by readiness checks. */
export async function isDatabaseReachable(dataSource: DataSource, timeoutMs = 2000): Promise<boolean> {
  if (!dataSource.isInitialized) return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([dataSource.query('SELECT 1').then(() => true), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Serialises, until the caller's transaction ends, everything that takes the same named lock: for
 * work that must run one at a time per business key (say, every command of one order).
 */
export async function lockUntilCommit(manager: EntityManager, name: string): Promise<void> {
  await manager.query('SELECT pg_advisory_xact_lock($1)', [advisoryKey(name)]);
}

/** A stable 63-bit key for pg_advisory_lock derived from a name. */
export function advisoryKey(name: string): string {
  return BigInt.asIntN(64, BigInt('0x' + createHash('sha256').update(name).digest('hex').slice(0, 16))).toString();
}
