import { paymentRefund, type Currency } from '@saga/contracts';
import { pivot } from '@saga/saga';

export const refundPaymentStepId = 'refund-payment';

/** This step gives the money back: the pivot, after which the refund can only complete. */
export const refundPaymentStep = pivot({
  id: refundPaymentStepId,
  action: {
    command: paymentRefund,
    payload: (ctx: { refundId: string; orderId: string; amount: number; currency: Currency }) => ({
      refundId: ctx.refundId,
      orderId: ctx.orderId,
      amount: ctx.amount,
      currency: ctx.currency,
    }),
  },
});
