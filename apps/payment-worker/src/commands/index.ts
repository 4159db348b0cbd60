import { paymentAuthorize, paymentCapture, paymentVoid } from '@saga/contracts';
import type { CommandHandlers } from '@saga/participant';
import type { CardProvider } from '../providers/payment-provider';
import { authorizePayment } from './authorize-payment';
import { capturePayment } from './capture-payment';
import { voidPayment } from './void-payment';

/** The command types the payment worker serves. */
export type PaymentCommandType = typeof paymentAuthorize.type | typeof paymentVoid.type | typeof paymentCapture.type;

/** The payment worker's handler for each payment command; cards go through this provider. */
export function paymentCommandHandlers(card: CardProvider): CommandHandlers<PaymentCommandType> {
  return {
    [paymentAuthorize.type]: authorizePayment(card),
    [paymentVoid.type]: voidPayment(card),
    [paymentCapture.type]: capturePayment(card),
  };
}
