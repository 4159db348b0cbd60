import { z } from 'zod';
import { Cents, Currency, EmptyResult, OrderItem, PricedItem } from '../common';
import { defineCommand } from './define-command';

export const InventoryReserve = z.object({ orderId: z.uuid(), items: z.array(OrderItem).min(1) });
export type InventoryReserve = z.infer<typeof InventoryReserve>;

export const StockReserved = z.object({
  reservationId: z.uuid(),
  items: z.array(PricedItem).min(1),
  total: Cents,
  currency: Currency,
});
export type StockReserved = z.infer<typeof StockReserved>;

export const InventoryRelease = z.object({ orderId: z.uuid() });
export type InventoryRelease = z.infer<typeof InventoryRelease>;

export const InventoryCommit = z.object({ orderId: z.uuid() });
export type InventoryCommit = z.infer<typeof InventoryCommit>;

/** Reserves every item of the order or none of them, and prices them. */
export const inventoryReserve = defineCommand('inventory.reserve', InventoryReserve, StockReserved);
/** Returns the order's reserved stock to available (compensation of inventoryReserve). */
export const inventoryRelease = defineCommand('inventory.release', InventoryRelease, EmptyResult);
/** Turns the order's reservation into a sale. */
export const inventoryCommit = defineCommand('inventory.commit', InventoryCommit, EmptyResult);

export const InventoryReturn = z.object({ refundId: z.uuid(), orderId: z.uuid(), items: z.array(OrderItem).min(1) });
export type InventoryReturn = z.infer<typeof InventoryReturn>;

/** Puts refunded items of a sold order back on sale: from sold to available, once per refund. */
export const inventoryReturn = defineCommand('inventory.return', InventoryReturn, EmptyResult);
