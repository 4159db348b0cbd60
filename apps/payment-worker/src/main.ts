import { loadConfig } from '@saga/config';
import { runMain, runService } from '@saga/runtime';
import { PaymentWorkerConfig, stripeSettingsOf } from './payment-worker-config';
import { paymentWorkerService } from './payment-worker-service';

runMain(async () => {
  const config = loadConfig(PaymentWorkerConfig);
  return runService(paymentWorkerService({ stripe: stripeSettingsOf(config) }), config);
});
