import { paymentAuthorize, paymentVoid } from '@saga/contracts';
import { orderSagaSteps, required } from '../order-saga-context';

export const authorizePaymentStepId = 'authorize-payment';

/** This step holds the order's total on the card or wallet; undone, it voids the hold. */
export const authorizePaymentStep = orderSagaSteps.compensatable({
  id: authorizePaymentStepId,
  action: {
    command: paymentAuthorize,
    payload: (ctx) => ({
      orderId: ctx.orderId,
      userId: ctx.userId,
      amount: required(ctx.total, 'total'),
      currency: required(ctx.currency, 'currency'),
      paymentMethod: ctx.paymentMethod,
    }),
    onSuccess: (_ctx, result) => ({ paymentId: result.paymentId }),
  },
  compensation: {
    command: paymentVoid,
    payload: (ctx) => ({ orderId: ctx.orderId }),
  },
});
