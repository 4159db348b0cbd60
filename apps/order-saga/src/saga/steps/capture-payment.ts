import { paymentCapture } from '@saga/contracts';
import { pivot } from '@saga/saga';

export const capturePaymentStepId = 'capture-payment';

/** This step takes the held money: the pivot, after which the order can only complete. */
export const capturePaymentStep = pivot({
  id: capturePaymentStepId,
  action: {
    command: paymentCapture,
    // Reads the payment the authorization produced, so it cannot be placed before it.
    payload: (ctx: { orderId: string; paymentId: string }) => ({ orderId: ctx.orderId }),
  },
});
