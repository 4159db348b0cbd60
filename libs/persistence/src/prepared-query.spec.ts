import { provisionTestInfrastructure, type TestInfrastructure } from '@saga/testing';
import type { DataSource } from 'typeorm';
import { createServiceDataSource, initializeDataSource } from './data-source';
import { literal, preparedQuery, transactionBeginningWith } from './prepared-query';

describe('statements on a service pool', () => {
  let infra: TestInfrastructure;
  let dataSource: DataSource;

  beforeAll(async () => {
    infra = await provisionTestInfrastructure();
    dataSource = await initializeDataSource(
      createServiceDataSource({ url: infra.databaseUrl, schema: 'svc', entities: [], migrations: [] }),
    );
    await dataSource.query('CREATE TABLE svc.notes (id text PRIMARY KEY)');
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await infra?.teardown();
  });

  it('runs a query with parameters, TypeORM’s included, as a prepared statement named by its text', async () => {
    const prepared = await dataSource.transaction(async (manager) => {
      await manager.query('SELECT $1::int + 1 AS n', [1]);
      await preparedQuery(manager, 'SELECT $1::text AS t', ['x']);
      return (await manager.query(`SELECT statement FROM pg_prepared_statements ORDER BY statement`)) as {
        statement: string;
      }[];
    });

    expect(prepared.map((p) => p.statement)).toEqual(
      expect.arrayContaining(['SELECT $1::int + 1 AS n', 'SELECT $1::text AS t']),
    );
  });

  it('sends BEGIN with a first statement of literals, and commits what the work does after it', async () => {
    const firstRows = await transactionBeginningWith(
      dataSource,
      `INSERT INTO svc.notes (id) VALUES (${literal("it's first")}) RETURNING id`,
      async (manager, rows) => {
        await manager.query('INSERT INTO svc.notes (id) VALUES ($1)', ['second']);
        return rows;
      },
    );

    expect(firstRows).toEqual([{ id: "it's first" }]);
    expect(
      await dataSource.query(`SELECT id FROM svc.notes WHERE id IN ('it''s first', 'second') ORDER BY id`),
    ).toEqual([{ id: "it's first" }, { id: 'second' }]);
  });

  it('rolls the first statement back with the rest when the work throws', async () => {
    await expect(
      transactionBeginningWith(
        dataSource,
        `INSERT INTO svc.notes (id) VALUES (${literal('doomed')})`,
        async (manager) => {
          await manager.query('INSERT INTO svc.notes (id) VALUES ($1)', ['doomed too']);
          throw new Error('handler failed');
        },
      ),
    ).rejects.toThrow('handler failed');

    expect(await dataSource.query(`SELECT id FROM svc.notes WHERE id LIKE 'doomed%'`)).toEqual([]);
  });
});
