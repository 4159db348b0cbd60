import { provisionTestInfrastructure, type TestInfrastructure } from '@saga/testing';
import { Client } from 'pg';
import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import {
  advisoryKey,
  createServiceDataSource,
  initializeDataSource,
  isDatabaseReachable,
  schemaOf,
} from './data-source';

// Counts how often up() ran across every DataSource of this file, to prove a migration runs once.
let widgetMigrationRuns = 0;

class CreateWidgets1700000000000 implements MigrationInterface {
  name = 'CreateWidgets1700000000000';

  async up(runner: QueryRunner): Promise<void> {
    widgetMigrationRuns += 1;
    // Slow enough that two unserialised runners would both find the migration pending.
    await runner.query('SELECT pg_sleep(0.2)');
    // No IF NOT EXISTS: a second run would fail rather than pass unnoticed.
    await runner.query(`CREATE TABLE "${schemaOf(runner.connection)}".widgets (id int PRIMARY KEY)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE "${schemaOf(runner.connection)}".widgets`);
  }
}

describe('initializeDataSource', () => {
  let infra: TestInfrastructure;
  const opened: DataSource[] = [];

  function dataSource(schema: string, poolSize?: number): DataSource {
    const created = createServiceDataSource({
      url: infra.databaseUrl,
      schema,
      entities: [],
      migrations: [CreateWidgets1700000000000],
      poolSize,
    });
    opened.push(created);
    return created;
  }

  async function rows<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const client = new Client({ connectionString: infra.databaseUrl });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    infra = await provisionTestInfrastructure();
  });

  beforeEach(() => {
    widgetMigrationRuns = 0;
  });

  afterAll(async () => {
    await Promise.all(opened.filter((ds) => ds.isInitialized).map((ds) => ds.destroy()));
    await infra?.teardown();
  });

  it('creates the schema and runs the migrations inside it', async () => {
    const ds = await initializeDataSource(dataSource('widgets_a'));

    expect(ds.isInitialized).toBe(true);
    expect(widgetMigrationRuns).toBe(1);
    expect(
      await rows(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'widgets_a' ORDER BY table_name`,
      ),
    ).toEqual([{ table_name: 'migrations' }, { table_name: 'widgets' }]);
    expect(await rows(`SELECT name FROM "widgets_a".migrations`)).toEqual([{ name: 'CreateWidgets1700000000000' }]);
  });

  it('changes nothing when run again, on the same DataSource or a new one', async () => {
    const first = await initializeDataSource(dataSource('widgets_b'));
    await initializeDataSource(first);
    await initializeDataSource(dataSource('widgets_b'));

    expect(widgetMigrationRuns).toBe(1);
    expect(await rows(`SELECT name FROM "widgets_b".migrations`)).toHaveLength(1);
  });

  it('runs a migration once when two DataSources start on the same schema at the same moment', async () => {
    const started = await Promise.all([
      initializeDataSource(dataSource('widgets_c')),
      initializeDataSource(dataSource('widgets_c')),
    ]);

    expect(started.every((ds) => ds.isInitialized)).toBe(true);
    expect(widgetMigrationRuns).toBe(1);
    expect(await rows(`SELECT name FROM "widgets_c".migrations`)).toHaveLength(1);
  });

  it('keeps each service’s migrations in its own schema', async () => {
    await initializeDataSource(dataSource('widgets_d'));
    await initializeDataSource(dataSource('widgets_e'));

    expect(widgetMigrationRuns).toBe(2);
    expect(
      await rows(
        `SELECT table_schema FROM information_schema.tables WHERE table_name = 'widgets' AND table_schema IN ('widgets_d', 'widgets_e') ORDER BY 1`,
      ),
    ).toEqual([{ table_schema: 'widgets_d' }, { table_schema: 'widgets_e' }]);
  });

  it('migrates a DataSource whose pool holds a single connection', async () => {
    const ds = await initializeDataSource(dataSource('widgets_f', 1));

    expect(widgetMigrationRuns).toBe(1);
    expect(await isDatabaseReachable(ds)).toBe(true);
  });
});

describe('isDatabaseReachable', () => {
  let infra: TestInfrastructure;

  beforeAll(async () => {
    infra = await provisionTestInfrastructure();
  });

  afterAll(() => infra?.teardown());

  it('is true for a live DataSource and false once it is destroyed', async () => {
    const ds = await initializeDataSource(
      createServiceDataSource({ url: infra.databaseUrl, schema: 'probe', entities: [], migrations: [] }),
    );

    expect(await isDatabaseReachable(ds)).toBe(true);
    await ds.destroy();
    expect(await isDatabaseReachable(ds)).toBe(false);
  });

  it('is false for a DataSource never initialized', async () => {
    const ds = createServiceDataSource({ url: infra.databaseUrl, schema: 'probe', entities: [], migrations: [] });

    expect(await isDatabaseReachable(ds)).toBe(false);
  });
});

describe('schemaOf', () => {
  it('names the schema a DataSource was created for', () => {
    expect(
      schemaOf(
        createServiceDataSource({ url: 'postgres://localhost/x', schema: 'inventory', entities: [], migrations: [] }),
      ),
    ).toBe('inventory');
  });
});

describe('advisoryKey', () => {
  it('gives the same key for the same name every time', () => {
    expect(advisoryKey('migrate:inventory')).toBe(advisoryKey('migrate:inventory'));
  });

  it('gives different names different keys', () => {
    const keys = ['migrate:inventory', 'migrate:payment', 'migrate:cart', 'migrate:orders'].map(advisoryKey);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('gives a key PostgreSQL accepts as a bigint', () => {
    const key = BigInt(advisoryKey('migrate:inventory'));
    expect(key >= -(2n ** 63n) && key < 2n ** 63n).toBe(true);
  });
});
