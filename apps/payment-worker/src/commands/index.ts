import { paymentAuthorize, paymentCapture, paymentVoid } from '@saga/contracts';
import type { CommandHandlers } from '@saga/participant';
import type { PaymentProviders } from '../providers/payment-provider';
import { authorizePayment } from './authorize-payment';
import { capturePayment } from './capture-payment';
import { voidPayment } from './void-payment';

/** The command types the payment worker serves. */
export type PaymentCommandType = typeof paymentAuthorize.type | typeof paymentVoid.type | typeof paymentCapture.type;

/** The payment worker's handler for each payment command, paying through these providers. */
export function paymentCommandHandlers(providers: PaymentProviders): CommandHandlers<PaymentCommandType> {
  return {
    [paymentAuthorize.type]: authorizePayment(providers),
    [paymentVoid.type]: voidPayment(providers),
    [paymentCapture.type]: capturePayment(providers),
  };
}
