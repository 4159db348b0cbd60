import { defineSaga } from '../engine/definition';
import type { OrderSagaContext } from './order-saga-context';
import { approveOrderStep } from './steps/approve-order';
import { authorizePaymentStep } from './steps/authorize-payment';
import { capturePaymentStep } from './steps/capture-payment';
import { checkoutCartStep } from './steps/checkout-cart';
import { clearCartStep } from './steps/clear-cart';
import { commitStockStep } from './steps/commit-stock';
import { processOrderStep } from './steps/process-order';
import { reserveStockStep } from './steps/reserve-stock';

/** The order saga: the steps, in order. Changing the saga means changing this list. */
export const orderSaga = defineSaga<OrderSagaContext>('order-saga', 1)
  .step(processOrderStep)
  .step(checkoutCartStep)
  .step(reserveStockStep)
  .step(authorizePaymentStep)
  .pivot(capturePaymentStep)
  .step(commitStockStep)
  .step(clearCartStep)
  .step(approveOrderStep)
  .build();
