import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { databaseUrl, loadConfig } from '@saga/config';
import { openServiceDatabase } from './open-service-database';
import type { ServiceDefinition } from './run-service';

/**
 * The body of a worker's seed.ts: opens the service's schema at DATABASE_URL (migrating it), runs
 * the seed, prints each line it reports, and exits 0, or 1 with the error.
 */
export function runSeed(
  definition: Pick<ServiceDefinition, 'name' | 'schema' | 'entities' | 'migrations'>,
  seed: (dataSource: DataSource) => Promise<readonly string[]>,
): void {
  const main = async () => {
    const config = loadConfig(z.object({ DATABASE_URL: databaseUrl }));
    const dataSource = await openServiceDatabase(
      { ...definition, name: `${definition.name}-seed` },
      config.DATABASE_URL,
    );
    try {
      for (const line of await seed(dataSource)) process.stdout.write(`${line}\n`);
    } finally {
      await dataSource.destroy();
    }
  };
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`seed of ${definition.name} failed: ${(error as Error)?.stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
