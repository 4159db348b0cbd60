import type { DataSource } from 'typeorm';
import { demoWallets } from '@saga/demo-data';
import { schemaOf } from '@saga/persistence';
import { runSeed } from '@saga/runtime';
import { notificationDatabase } from './notification-worker-service';

/**
 * Gives each demo shopper a profile at example.com (running it again changes nothing), so the demo's
 * orders produce e-mail; returns one line per shopper.
 */
export async function seedProfiles(dataSource: DataSource): Promise<string[]> {
  const report: string[] = [];
  for (const { userId } of demoWallets) {
    const email = `${userId}@example.com`;
    const name = userId.charAt(0).toUpperCase() + userId.slice(1);
    await dataSource.query(
      `INSERT INTO "${schemaOf(dataSource)}".profiles (user_id, email, name) VALUES ($1, $2, $3)
       ON CONFLICT (user_id) DO NOTHING`,
      [userId, email, name],
    );
    report.push(`profile of ${userId}: ${email}`);
  }
  return report;
}

if (require.main === module) runSeed(notificationDatabase, seedProfiles);
