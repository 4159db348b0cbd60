import { defineSaga } from '@saga/saga';
import type { OrderSagaInput } from './order-saga-input';
import { approveOrderStep } from './steps/approve-order';
import { authorizePaymentStep } from './steps/authorize-payment';
import { capturePaymentStep } from './steps/capture-payment';
import { checkoutCartStep } from './steps/checkout-cart';
import { clearCartStep } from './steps/clear-cart';
import { commitStockStep } from './steps/commit-stock';
import { processOrderStep } from './steps/process-order';
import { reserveStockStep } from './steps/reserve-stock';

/**
 * The order saga: the steps, in order. Changing the steps means a new version beside this one (see
 * docs/architecture.md, "Changing a saga"); each step reads only what the steps above it produce.
 */
export const orderSagaV1 = defineSaga<OrderSagaInput>('order-saga', 1)
  .step(processOrderStep)
  .step(checkoutCartStep)
  .step(reserveStockStep)
  .step(authorizePaymentStep)
  .pivot(capturePaymentStep)
  .step(commitStockStep)
  .step(clearCartStep)
  .step(approveOrderStep)
  .build();

/** Every version this build runs; new sagas start on the latest. Remove a version only when no saga runs it. */
export const orderSagaDefinitions = [orderSagaV1];
