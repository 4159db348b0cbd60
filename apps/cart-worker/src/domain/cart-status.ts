/** Whether shoppers may edit a cart: OPEN, or LOCKED while an order placed from it is in flight. */
export const CartStatus = {
  Open: 'OPEN',
  Locked: 'LOCKED',
} as const;
export type CartStatus = (typeof CartStatus)[keyof typeof CartStatus];

/** Where an order's use of a cart stands: locked for it, given back (released) or emptied (cleared). */
export const CheckoutStatus = {
  Locked: 'LOCKED',
  Released: 'RELEASED',
  Cleared: 'CLEARED',
} as const;
export type CheckoutStatus = (typeof CheckoutStatus)[keyof typeof CheckoutStatus];
