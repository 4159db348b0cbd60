import { z } from 'zod';
import { EmptyResult, OrderItem, UserId } from '../common';
import { defineCommand } from './define-command';

export const CartCheckout = z.object({ orderId: z.uuid(), userId: UserId });
export type CartCheckout = z.infer<typeof CartCheckout>;

export const CartCheckedOut = z.object({ cartId: z.uuid(), items: z.array(OrderItem).min(1) });
export type CartCheckedOut = z.infer<typeof CartCheckedOut>;

export const CartRelease = z.object({ orderId: z.uuid(), userId: UserId });
export type CartRelease = z.infer<typeof CartRelease>;

export const CartClear = z.object({ orderId: z.uuid(), userId: UserId });
export type CartClear = z.infer<typeof CartClear>;

/** Locks the user's cart for this order and returns a snapshot of its items. */
export const cartCheckout = defineCommand('cart.checkout', CartCheckout, CartCheckedOut);
/** Unlocks the cart, items untouched, so the shopper can try again (compensation of cartCheckout). */
export const cartRelease = defineCommand('cart.release', CartRelease, EmptyResult);
/** Empties the cart the order was placed from and unlocks it; sent only once the order is paid. */
export const cartClear = defineCommand('cart.clear', CartClear, EmptyResult);
