import { z } from 'zod';

/**
 * Closed set of reasons a command can fail with a reply. Business outcomes (no stock, a declined
 * card) are replies, never exceptions; the code alone decides whether trying again can help.
 */
export const FailureCode = {
  OutOfStock: 'out_of_stock',
  UnknownProduct: 'unknown_product',
  CardDeclined: 'card_declined',
  InsufficientFunds: 'insufficient_funds',
  PaymentMethodInvalid: 'payment_method_invalid',
  CartEmpty: 'cart_empty',
  CartUnavailable: 'cart_unavailable',
  NotFound: 'not_found',
  InvalidState: 'invalid_state',
  StepTimedOut: 'step_timed_out',
  ProviderUnavailable: 'provider_unavailable',
  AmountTooLarge: 'amount_too_large',
} as const;
export type FailureCode = (typeof FailureCode)[keyof typeof FailureCode];

export const Failure = z.object({
  code: z.enum(Object.values(FailureCode) as [FailureCode, ...FailureCode[]]),
  message: z.string().min(1),
});
export type Failure = z.infer<typeof Failure>;

/** Whether the same command, sent again later, could succeed where this attempt failed. */
export function isRetryable(code: FailureCode): boolean {
  switch (code) {
    case FailureCode.ProviderUnavailable:
    case FailureCode.StepTimedOut:
      return true;
    case FailureCode.OutOfStock:
    case FailureCode.UnknownProduct:
    case FailureCode.CardDeclined:
    case FailureCode.InsufficientFunds:
    case FailureCode.PaymentMethodInvalid:
    case FailureCode.CartEmpty:
    case FailureCode.CartUnavailable:
    case FailureCode.NotFound:
    case FailureCode.InvalidState:
    case FailureCode.AmountTooLarge:
      return false;
    default: {
      const unclassified: never = code;
      throw new Error(`failure code ${String(unclassified)} is not classified`);
    }
  }
}
