import type { EntityManager } from 'typeorm';
import { preparedQuery, schemaOf } from '@saga/persistence';

/** The ways stock moves between a product's counters; each is recorded in the stock ledger. */
export const StockMovementKind = {
  Reserve: 'reserve',
  Release: 'release',
  Commit: 'commit',
  Restock: 'restock',
  /** Refunded items of a sold order back on sale. */
  Return: 'return',
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
    case StockMovementKind.Return:
      return { available: 1, reserved: 0, sold: -1 };
    default: {
      const unclassified: never = kind;
      throw new Error(`stock movement ${String(unclassified)} has no effect defined`);
    }
  }
}

/**
 * Applies movements to their products' counters and appends each to the ledger, in the caller's
 * transaction and in one statement however many there are; the only way stock changes. The caller has
 * checked the movements are possible: the table's CHECK constraints turn a mistake into an error
 * rather than negative stock. Each product may appear once.
 */
export async function moveStock(manager: EntityManager, movements: readonly StockMovement[]): Promise<void> {
  if (movements.length === 0) return;
  const productIds = new Set(movements.map((m) => m.productId));
  if (productIds.size !== movements.length) throw new Error('one stock movement per product and call');
  const rows = movements.map((movement) => {
    const delta = unitDeltaOf(movement.kind);
    return {
      product_id: movement.productId,
      order_id: movement.kind === StockMovementKind.Restock ? null : movement.orderId,
      kind: movement.kind,
      quantity: movement.quantity,
      available: delta.available * movement.quantity,
      reserved: delta.reserved * movement.quantity,
      sold: delta.sold * movement.quantity,
    };
  });
  const s = schemaOf(manager.connection);
  const { rows: result } = await preparedQuery<{ moved: number }>(
    manager,
    `WITH m AS (
       SELECT * FROM json_to_recordset($1::json)
         AS m(product_id uuid, order_id uuid, kind text, quantity int, available int, reserved int, sold int)
     ), moved AS (
       UPDATE "${s}".products p
          SET available = p.available + m.available, reserved = p.reserved + m.reserved,
              sold = p.sold + m.sold, updated_at = now()
         FROM m WHERE p.id = m.product_id
       RETURNING p.id
     ), ledger AS (
       INSERT INTO "${s}".stock_ledger (product_id, order_id, kind, quantity)
       SELECT product_id, order_id, kind, quantity FROM m
     )
     SELECT count(*)::int AS moved FROM moved`,
    [JSON.stringify(rows)],
  );
  if (result[0]?.moved !== movements.length) {
    throw new Error(`cannot move stock of products ${[...productIds].join(', ')}: one does not exist`);
  }
}
