import { paymentAuthorize, paymentVoid, type Currency, type PaymentMethodChoice } from '@saga/contracts';
import { compensatable } from '@saga/saga';

export const authorizePaymentStepId = 'authorize-payment';

interface Charge {
  readonly orderId: string;
  readonly userId: string;
  readonly total: number;
  readonly currency: Currency;
  readonly paymentMethod: PaymentMethodChoice;
}

/** This step holds the order's total on the card or wallet; undone, it voids the hold. */
export const authorizePaymentStep = compensatable({
  id: authorizePaymentStepId,
  action: {
    command: paymentAuthorize,
    payload: (ctx: Charge) => ({
      orderId: ctx.orderId,
      userId: ctx.userId,
      amount: ctx.total,
      currency: ctx.currency,
      paymentMethod: ctx.paymentMethod,
    }),
    produces: (result) => ({ paymentId: result.paymentId }),
  },
  compensation: {
    command: paymentVoid,
    payload: (ctx: { orderId: string }) => ({ orderId: ctx.orderId }),
  },
});
