import type { EntityManager } from 'typeorm';
import { Product } from './product.entity';
import { StockLedgerEntry } from './stock-ledger-entry.entity';

/** The ways stock moves between a product's counters; each is recorded in the stock ledger. */
export const StockMovementKind = {
  Reserve: 'reserve',
  Release: 'release',
  Commit: 'commit',
  Restock: 'restock',
} as const;
export type StockMovementKind = (typeof StockMovementKind)[keyof typeof StockMovementKind];

/** How much one unit of a movement changes each counter of a product. */
export interface StockDelta {
  readonly available: number;
  readonly reserved: number;
  readonly sold: number;
}

/** A movement of stock: for an order, or a restock that belongs to none. */
export type StockMovement =
  | {
      readonly kind: Exclude<StockMovementKind, 'restock'>;
      readonly productId: string;
      readonly orderId: string;
      readonly quantity: number;
    }
  | { readonly kind: 'restock'; readonly productId: string; readonly quantity: number };

/** The change one unit of a movement makes; only a restock changes available + reserved + sold. */
export function unitDeltaOf(kind: StockMovementKind): StockDelta {
  switch (kind) {
    case StockMovementKind.Reserve:
      return { available: -1, reserved: 1, sold: 0 };
    case StockMovementKind.Release:
      return { available: 1, reserved: -1, sold: 0 };
    case StockMovementKind.Commit:
      return { available: 0, reserved: -1, sold: 1 };
    case StockMovementKind.Restock:
      return { available: 1, reserved: 0, sold: 0 };
    default: {
      const unclassified: never = kind;
      throw new Error(`stock movement ${String(unclassified)} has no effect defined`);
    }
  }
}

/**
 * Applies a movement to the product's counters and appends it to the ledger, both in the caller's
 * transaction; the only way stock changes. The caller has checked the movement is possible: the
 * table's CHECK constraints turn a mistake into an error rather than negative stock.
 */
export async function moveStock(manager: EntityManager, movement: StockMovement): Promise<void> {
  const delta = unitDeltaOf(movement.kind);
  const updated = await manager
    .createQueryBuilder()
    .update(Product)
    .set({
      available: () => 'available + :available',
      reserved: () => 'reserved + :reserved',
      sold: () => 'sold + :sold',
      updatedAt: () => 'now()',
    })
    .where('id = :id', { id: movement.productId })
    .setParameters({
      available: delta.available * movement.quantity,
      reserved: delta.reserved * movement.quantity,
      sold: delta.sold * movement.quantity,
    })
    .execute();
  if (updated.affected !== 1) throw new Error(`cannot move stock of product ${movement.productId}: it does not exist`);
  await manager.insert(StockLedgerEntry, {
    productId: movement.productId,
    orderId: movement.kind === StockMovementKind.Restock ? null : movement.orderId,
    kind: movement.kind,
    quantity: movement.quantity,
  });
}
