import { z } from 'zod';

/** The ISO 4217 currency the shop sells in; every amount is an integer count of its minor unit (cents). */
export const Currency = z.literal('USD');
export type Currency = z.infer<typeof Currency>;

/**
 * The most any one amount may be, in minor units: a price, an order's total, a payment, a wallet's
 * balance, a top-up ($1,000,000,000.00). The bigint columns hold far more; the limit is what keeps
 * every sum the services compute an exact JavaScript number, and it is checked where money comes in.
 */
export const maxAmount = 100_000_000_000;

/** Money is always an integer count of minor units (cents), never a float, and at most maxAmount. */
export const Cents = z.int().nonnegative().max(maxAmount);

/** Cents as a person reads them, e.g. 1200 USD -> "$12.00". */
export function formatMoney(cents: number, currency: Currency): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(cents / 100);
}

/** A high surrogate without its low half after it, or a low one without its high half before it. */
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Refuses what is not text: control characters (a NUL byte cannot even be stored) and lone surrogates. */
function wellFormed(schema: z.ZodString) {
  return schema
    .refine((text) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text), {
      error: 'must not contain control characters',
    })
    .refine((text) => !loneSurrogate.test(text), { error: 'must not contain a lone surrogate' });
}

/** Text a person wrote (a reason, a name), trimmed, 1 to `max` characters, well formed. */
export function personText(max: number) {
  return wellFormed(z.string().trim().min(1).max(max));
}

/** An id or token passed along as it is: 1 to `max` characters, well formed, no surrounding spaces. */
export function identifier(max: number) {
  return wellFormed(z.string().min(1).max(max)).refine((id) => id.trim() === id, {
    error: 'must not start or end with a space',
  });
}

/** A user's id, in every message and route that names one. */
export const UserId = identifier(100);

/** One line of an order as the shopper asked for it. */
export const OrderItem = z.object({
  productId: z.uuid(),
  quantity: z.int().min(1).max(1000),
});
export type OrderItem = z.infer<typeof OrderItem>;

/** One line of an order once inventory has priced it. */
export const PricedItem = OrderItem.extend({
  name: z.string(),
  unitPrice: Cents,
});
export type PricedItem = z.infer<typeof PricedItem>;

/** How the shopper pays: a card token (Stripe-style test tokens) or their wallet balance. */
export const PaymentMethod = z.discriminatedUnion('method', [
  z.object({ method: z.literal('card'), token: identifier(200) }),
  z.object({ method: z.literal('wallet') }),
]);
export type PaymentMethod = z.infer<typeof PaymentMethod>;

/**
 * How the shopper pays, without the card's token: what the saga knows and passes on. The token goes
 * from order-api to the payment worker alone (order.payment-method-provided) and is stored only there.
 */
export const PaymentMethodChoice = z.object({ method: z.enum(['card', 'wallet']) });
export type PaymentMethodChoice = z.infer<typeof PaymentMethodChoice>;

export const EmptyResult = z.object({});
export type EmptyResult = z.infer<typeof EmptyResult>;
