import { z } from 'zod';
import { databaseUrl, loadConfig } from '@saga/config';
import { demoWallets } from '@saga/demo-data';
import { messagingEntities, messagingMigrations } from '@saga/outbox';
import { createServiceDataSource, initializeDataSource } from '@saga/persistence';
import { openWallet } from './domain/wallets';
import { paymentMigrations } from './migrations';
import { paymentEntities, paymentWorkerService } from './payment-worker-service';

/**
 * Migrates the payment schema and opens the demo wallets. A wallet that exists already keeps its
 * balance: resetting it would create or destroy money that payments hold or have taken.
 */
async function seed(): Promise<void> {
  const config = loadConfig(z.object({ DATABASE_URL: databaseUrl }));
  const dataSource = createServiceDataSource({
    url: config.DATABASE_URL,
    schema: paymentWorkerService.schema,
    entities: [...messagingEntities, ...paymentEntities],
    migrations: [...messagingMigrations, ...paymentMigrations],
    applicationName: 'payment-worker-seed',
  });
  await initializeDataSource(dataSource);
  try {
    for (const { userId, balance } of demoWallets) {
      const opened = await openWallet(dataSource.manager, userId, balance);
      process.stdout.write(
        opened ? `wallet ${userId}: opened with ${balance} cents\n` : `wallet ${userId}: already open, left as it is\n`,
      );
    }
  } finally {
    await dataSource.destroy();
  }
}

seed().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`seed failed: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(1);
  },
);
