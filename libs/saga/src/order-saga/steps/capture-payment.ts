import { paymentCapture } from '@saga/contracts';
import { orderSagaSteps } from '../order-saga-context';

export const capturePaymentStepId = 'capture-payment';

/** This step takes the held money: the pivot, after which the order can only complete. */
export const capturePaymentStep = orderSagaSteps.pivot({
  id: capturePaymentStepId,
  action: {
    command: paymentCapture,
    payload: (ctx) => ({ orderId: ctx.orderId }),
  },
});
