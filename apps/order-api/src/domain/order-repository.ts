import type { EntityManager } from 'typeorm';
import type { PricedItem } from '@saga/contracts';
import { OrderLine } from './order-line.entity';
import { Order } from './order.entity';

/** Loads an order with a row lock, so two commands for one order apply one after the other. */
export function lockOrder(manager: EntityManager, orderId: string): Promise<Order | null> {
  return manager
    .getRepository(Order)
    .createQueryBuilder('o')
    .setLock('pessimistic_write')
    .where('o.id = :orderId', { orderId })
    .getOne();
}

/** Replaces an order's lines with the priced lines inventory returned. */
export async function writePricedLines(
  manager: EntityManager,
  orderId: string,
  items: readonly PricedItem[],
): Promise<void> {
  await manager.getRepository(OrderLine).delete({ orderId });
  await manager.getRepository(OrderLine).insert(
    items.map((item) => ({
      orderId,
      productId: item.productId,
      quantity: item.quantity,
      name: item.name,
      unitPrice: item.unitPrice,
    })),
  );
}
