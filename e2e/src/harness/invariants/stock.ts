import type { Check, RuleInput } from './rule';

/** Stock is conserved, agrees with its ledger, and what was sold is what completed orders bought. */
export function checkStock({ snapshot, load }: RuleInput, check: Check): void {
  const { orders, orderLines, products, stockLedger, reservations, committedItems } = snapshot;
  const orderById = new Map(orders.map((o) => [o.id, o]));
  const reservationOf = new Map(reservations.map((r) => [r.order_id, r]));
  const ledger = (productId: string, kind: string) =>
    Number(stockLedger.find((l) => l.product_id === productId && l.kind === kind)?.quantity ?? 0);
  const committed = new Map(committedItems.map((c) => [c.product_id, Number(c.quantity)]));
  const completedLines = new Map<string, number>();
  for (const line of orderLines) {
    if (orderById.get(line.order_id)?.status !== 'COMPLETED') continue;
    completedLines.set(line.product_id, (completedLines.get(line.product_id) ?? 0) + line.quantity);
  }
  const ours = products.filter((p) => load.initialStock.has(p.id));
  check(
    'products whose stock was not conserved (available + reserved + sold)',
    ours
      .filter((p) => p.available + p.reserved + p.sold !== load.initialStock.get(p.id))
      .map((p) => `${p.name}: ${p.available}+${p.reserved}+${p.sold} != ${load.initialStock.get(p.id)}`),
  );
  check(
    'products with stock still reserved',
    ours.filter((p) => p.reserved !== 0).map((p) => `${p.name}: ${p.reserved}`),
  );
  check(
    'products whose counters disagree with the stock ledger',
    ours
      .filter(
        (p) =>
          ledger(p.id, 'restock') !== load.initialStock.get(p.id) ||
          ledger(p.id, 'restock') - ledger(p.id, 'reserve') + ledger(p.id, 'release') + ledger(p.id, 'return') !==
            p.available ||
          ledger(p.id, 'reserve') - ledger(p.id, 'release') - ledger(p.id, 'commit') !== p.reserved ||
          ledger(p.id, 'commit') - ledger(p.id, 'return') !== p.sold,
      )
      .map((p) => p.name),
  );
  check(
    'products whose sold count differs from committed reservations or completed orders',
    ours
      .filter((p) => p.sold !== (committed.get(p.id) ?? 0) || p.sold !== (completedLines.get(p.id) ?? 0))
      .map(
        (p) =>
          `${p.name}: sold ${p.sold}, committed ${committed.get(p.id) ?? 0}, ordered ${completedLines.get(p.id) ?? 0}`,
      ),
  );
  check(
    'reservations left ACTIVE',
    reservations.filter((r) => r.status === 'ACTIVE').map((r) => r.order_id),
  );
  check(
    'COMPLETED orders without a COMMITTED reservation for their total',
    orders
      .filter((o) => o.status === 'COMPLETED')
      .filter((o) => reservationOf.get(o.id)?.status !== 'COMMITTED' || reservationOf.get(o.id)?.total !== o.total)
      .map((o) => o.id),
  );
  check(
    'FAILED orders with a COMMITTED reservation',
    orders.filter((o) => o.status === 'FAILED' && reservationOf.get(o.id)?.status === 'COMMITTED').map((o) => o.id),
  );
}
