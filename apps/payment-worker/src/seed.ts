import { demoWallets } from '@saga/demo-data';
import { runSeed } from '@saga/runtime';
import { openWallet } from './domain/wallets';
import { testCardPaymentWorker } from './payment-worker-service';

/**
 * Migrates the payment schema and opens the demo wallets. A wallet that exists already keeps its
 * balance: resetting it would create or destroy money that payments hold or have taken.
 */
runSeed(testCardPaymentWorker, async (dataSource) => {
  const report: string[] = [];
  for (const { userId, balance } of demoWallets) {
    const opened = await openWallet(dataSource.manager, userId, balance);
    report.push(
      opened ? `wallet ${userId}: opened with ${balance} cents` : `wallet ${userId}: already open, left as it is`,
    );
  }
  return report;
});
