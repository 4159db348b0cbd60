import { DataSource, QueryFailedError } from 'typeorm';
import { provisionTestInfrastructure, setDatabaseReachable, type TestInfrastructure } from '@saga/testing';
import { isDatabaseUnavailable } from './database-unavailable';

describe('isDatabaseUnavailable', () => {
  let infra: TestInfrastructure;

  beforeAll(async () => {
    infra = await provisionTestInfrastructure();
  });

  afterAll(async () => {
    await setDatabaseReachable(infra.databaseUrl, true);
    await infra?.teardown();
  });

  it('recognises what a real outage throws, on a live connection and on a new one', async () => {
    const dataSource = await new DataSource({
      type: 'postgres',
      url: infra.databaseUrl,
      extra: { max: 2 },
    }).initialize();
    await setDatabaseReachable(infra.databaseUrl, false);

    const errors: unknown[] = [];
    for (let i = 0; i < 3; i++) await dataSource.query('SELECT 1').catch((error: unknown) => errors.push(error));
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every(isDatabaseUnavailable)).toBe(true);

    await setDatabaseReachable(infra.databaseUrl, true);
    await dataSource.destroy().catch(() => undefined);
  });

  it('does not mistake a bad query for an outage', async () => {
    const dataSource = await new DataSource({ type: 'postgres', url: infra.databaseUrl }).initialize();
    const error = await dataSource.query('SELECT * FROM no_such_table').catch((e: unknown) => e);
    await dataSource.destroy();

    expect(error).toBeInstanceOf(QueryFailedError);
    expect(isDatabaseUnavailable(error)).toBe(false);
    expect(isDatabaseUnavailable(new Error('duplicate key value violates unique constraint'))).toBe(false);
  });
});
