import { paymentAuthorize, paymentCapture, paymentRefund, paymentVoid } from '@saga/contracts';
import type { CommandHandlers } from '@saga/participant';
import type { CardProviders } from '../providers/payment-provider';
import { authorizePayment } from './authorize-payment';
import { capturePayment } from './capture-payment';
import { refundPayment } from './refund-payment';
import { voidPayment } from './void-payment';

/** The command types the payment worker serves. */
export type PaymentCommandType =
  typeof paymentAuthorize.type | typeof paymentVoid.type | typeof paymentCapture.type | typeof paymentRefund.type;

/** The payment worker's handler for each payment command; cards go through these providers. */
export function paymentCommandHandlers(cards: CardProviders): CommandHandlers<PaymentCommandType> {
  return {
    [paymentAuthorize.type]: authorizePayment(cards),
    [paymentVoid.type]: voidPayment(cards),
    [paymentCapture.type]: capturePayment(cards),
    [paymentRefund.type]: refundPayment(cards),
  };
}
