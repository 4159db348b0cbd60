import { loadConfig } from '@saga/config';
import { runMain, runService } from '@saga/runtime';
import { OrderSagaConfig } from './order-saga-config';
import { orderSagaService } from './order-saga-service';

runMain(() => {
  const config = loadConfig(OrderSagaConfig);
  return runService(orderSagaService(config), config);
});
