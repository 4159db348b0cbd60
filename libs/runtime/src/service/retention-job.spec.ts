import type { DataSource } from 'typeorm';
import { createLogger } from '@saga/observability';
import { messageRetention } from '@saga/outbox';
import { provisionTestInfrastructure, type TestInfrastructure } from '@saga/testing';
import { openServiceDatabase } from './open-service-database';
import { RetentionJob } from './retention-job';

const week = 7 * 86_400_000;
const logger = createLogger({ service: 'retention-spec', level: 'warn' });

describe('the retention job on the inbox and outbox', () => {
  let infra: TestInfrastructure;
  let dataSource: DataSource;

  beforeAll(async () => {
    infra = await provisionTestInfrastructure();
    dataSource = await openServiceDatabase(
      { name: 'retention-spec', schema: 'svc', entities: [], migrations: [] },
      infra.databaseUrl,
    );
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await infra?.teardown();
  });

  beforeEach(async () => {
    await dataSource.query('TRUNCATE svc.inbox, svc.outbox');
  });

  async function received(count: number, daysAgo: number): Promise<void> {
    await dataSource.query(
      `INSERT INTO svc.inbox (message_id, consumer, message_type, received_at)
       SELECT gen_random_uuid(), 'spec', 'x.done', now() - $2::int * interval '1 day' FROM generate_series(1, $1)`,
      [count, daysAgo],
    );
  }

  async function written(count: number, daysAgo: number, published: boolean): Promise<void> {
    await dataSource.query(
      `INSERT INTO svc.outbox (message_id, exchange, routing_key, envelope, created_at, published_at)
       SELECT gen_random_uuid(), 'commands', 'x.do', '{}', now() - $2::int * interval '1 day',
              CASE WHEN $3 THEN now() - $2::int * interval '1 day' END
         FROM generate_series(1, $1)`,
      [count, daysAgo, published],
    );
  }

  async function left(): Promise<{ inbox: number; published: number; unpublished: number }> {
    const [row] = (await dataSource.query(
      `SELECT (SELECT count(*)::int FROM svc.inbox) AS inbox,
              (SELECT count(*)::int FROM svc.outbox WHERE published_at IS NOT NULL) AS published,
              (SELECT count(*)::int FROM svc.outbox WHERE published_at IS NULL) AS unpublished`,
    )) as { inbox: number; published: number; unpublished: number }[];
    return row;
  }

  it('deletes processed messages and published rows past retention, in batches, and keeps the rest', async () => {
    await received(7, 8);
    await received(2, 6);
    await written(7, 8, true);
    await written(2, 6, true);
    await written(3, 30, false);
    const job = new RetentionJob({ dataSource, logger, rules: messageRetention(week), batchSize: 3 });

    expect(await job.prune()).toEqual({ inbox: 7, outbox: 7 });
    expect(await left()).toEqual({ inbox: 2, published: 2, unpublished: 3 });
    expect(await job.prune()).toEqual({ inbox: 0, outbox: 0 });
  });

  it('splits the work between replicas pruning at the same time', async () => {
    await received(40, 8);
    await written(40, 8, true);
    const jobs = [0, 1].map(
      () => new RetentionJob({ dataSource, logger, rules: messageRetention(week), batchSize: 4 }),
    );

    const passes = await Promise.all(jobs.map((job) => job.prune()));

    expect(passes[0].inbox + passes[1].inbox).toBe(40);
    expect(passes[0].outbox + passes[1].outbox).toBe(40);
    expect(await left()).toEqual({ inbox: 0, published: 0, unpublished: 0 });
  });
});
