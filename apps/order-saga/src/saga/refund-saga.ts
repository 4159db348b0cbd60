import { defineSaga } from '@saga/saga';
import type { RefundSagaInput } from './refund-saga-input';
import { completeRefundStep } from './steps/complete-refund';
import { openRefundStep } from './steps/open-refund';
import { refundPaymentStep } from './steps/refund-payment';
import { returnStockStep } from './steps/return-stock';

/**
 * The refund saga, on the same engine as the order saga: open the refund, give the money back (the
 * pivot), put the items back on sale, mark the refund done. A refund the payment worker refuses
 * fails, its lines refundable again; once the money is back, the rest is retried until it is done.
 */
export const refundSagaV1 = defineSaga<RefundSagaInput>('refund-saga', 1)
  .step(openRefundStep)
  .pivot(refundPaymentStep)
  .step(returnStockStep)
  .step(completeRefundStep)
  .build();

/** Every version this build runs; new sagas start on the latest. Remove a version only when no saga runs it. */
export const refundSagaDefinitions = [refundSagaV1];
