import { deadLetterQueueName, namespaced, Queues } from '@saga/contracts';
import { queueDepth } from '@saga/testing';
import type { PoolClient } from 'pg';
import type { MixedLoad, PlacedOrder, PlannedOrder } from './mixed-load';
import { serviceSchemas, type SystemUnderTest } from './system-under-test';

/** Loaded history (saga-history.ts) is told apart by its correlation ids. */
export const historyPrefix = 'history-';
const notHistory = `correlation_id NOT LIKE '${historyPrefix}%'`;

/** The orders a run planned and placed, and what stock and money it set up before the first order. */
export interface PlacedLoad {
  readonly planned: readonly PlannedOrder[];
  readonly placed: readonly PlacedOrder[];
  /** Stock of each product the run created, before its first order. */
  readonly initialStock: ReadonlyMap<string, number>;
  /** What each wallet was credited before its order. */
  readonly credits: ReadonlyMap<string, number>;
}

/** What may be tolerated in a suite's outcome; by default nothing. */
export interface InvariantOptions {
  /**
   * Sagas allowed to end REQUIRES_ATTENTION: only where the test injected a permanent fault. The fault
   * suites inject none, so they keep the default, 0.
   */
  readonly requiresAttention?: number;
  /**
   * Whether an order that could have completed may instead fail `step_timed_out` (a compensatable
   * step's worker stayed away past the step deadline). Consistent, but only acceptable under chaos.
   */
  readonly timeoutsAllowed?: boolean;
}

/** The figures a fault suite prints, and every invariant it found broken (none, when all is well). */
export interface InvariantReport {
  readonly ordersPlaced: number;
  readonly ordersByStatus: Record<string, number>;
  readonly failedByReason: Record<string, number>;
  readonly sagasByStatus: Record<string, number>;
  /** How often the orchestrator had to act on a deadline or re-send, by log entry and step. */
  readonly sagaRecoveries: Record<string, number>;
  readonly paymentsCaptured: { count: number; amount: number };
  readonly stock: { name: string; before: number; available: number; reserved: number; sold: number }[];
  readonly unpublishedOutbox: Record<string, number>;
  readonly deadLetters: Record<string, number>;
  /** Each broken invariant, one line with up to a few examples. */
  readonly violations: string[];
  /** Sagas not COMPLETED or FAILED, with their last log entries: where they stopped. */
  readonly stuck: string[];
}

/**
 * Waits until no order is PENDING or PROCESSING, no saga RUNNING or COMPENSATING and every outbox row
 * published (a relay backs off up to 5 s after the broker refused it), or until `timeoutMs`; returns
 * how long that took. It does not throw: what is still stuck then is a violation the report names.
 */
export async function waitUntilSettled(sut: SystemUnderTest, { timeoutMs }: { timeoutMs: number }): Promise<number> {
  const started = Date.now();
  const open = `SELECT (SELECT count(*) FROM orders.orders WHERE status IN ('PENDING', 'PROCESSING'))
                     + (SELECT count(*) FROM saga.saga_instances WHERE status IN ('RUNNING', 'COMPENSATING'))
                  AS open`;
  while (Date.now() - started < timeoutMs) {
    const settled = await Promise.all([sut.rows<{ open: string }>(open), sut.unpublishedMessages()]).then(
      ([[{ open: left }], waiting]) => Number(left) === 0 && waiting === 0,
      () => false,
    );
    if (settled) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return Date.now() - started;
}

/**
 * Reads every schema in one snapshot and checks the invariants of the order saga against the load
 * that was placed: each order exists once and settled as it had to, with one saga of the same
 * outcome; stock is conserved and agrees with its ledger and the committed reservations; no
 * reservation is ACTIVE; every captured payment belongs to exactly one COMPLETED order, for its total,
 * captured once; no wallet is negative or holds money, and each lost exactly what it paid; no cart
 * stays locked, and each is emptied or intact as its order's outcome says.
 */
export async function checkInvariants(
  sut: SystemUnderTest,
  load: PlacedLoad,
  options: InvariantOptions = {},
): Promise<InvariantReport> {
  const client = await sut.db.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const report = await inspect(client, load, options);
    await client.query('COMMIT');
    const deadLetters: Record<string, number> = {};
    for (const { name } of Object.values(Queues)) {
      const depth = await queueDepth(sut.infra.amqpUrl, deadLetterQueueName(namespaced(sut.infra.namespace, name)));
      if (depth > 0) deadLetters[name] = depth;
    }
    return { ...report, deadLetters };
  } finally {
    client.release();
  }
}

async function inspect(
  client: PoolClient,
  load: PlacedLoad,
  options: InvariantOptions,
): Promise<Omit<InvariantReport, 'deadLetters'>> {
  const rows = async <T>(sql: string): Promise<T[]> => (await client.query(sql)).rows as T[];
  const orders = await rows<{
    id: string;
    user_id: string;
    status: string;
    source: string;
    total: number | null;
    failure_code: string | null;
  }>('SELECT id, user_id, status, source, total, failure_code FROM orders.orders');
  const orderLines = await rows<{ order_id: string; product_id: string; quantity: number }>(
    'SELECT order_id, product_id, quantity FROM orders.order_lines',
  );
  const keys = await rows<{ key: string; order_id: string }>(
    `SELECT key, response_body->>'orderId' AS order_id FROM orders.idempotency_keys`,
  );
  // Every saga but the finished ones a benchmark may have loaded as history (npm run bench -- --history).
  const sagas = await rows<{ id: string; correlation_id: string; status: string; current_step: string | null }>(
    `SELECT id, correlation_id, status, current_step FROM saga.saga_instances WHERE ${notHistory}`,
  );
  const products = await rows<{ id: string; name: string; available: number; reserved: number; sold: number }>(
    'SELECT id, name, available, reserved, sold FROM inventory.products ORDER BY name',
  );
  const stockLedger = await rows<{ product_id: string; kind: string; quantity: string }>(
    'SELECT product_id, kind, sum(quantity) AS quantity FROM inventory.stock_ledger GROUP BY product_id, kind',
  );
  const reservations = await rows<{ order_id: string; status: string; total: number }>(
    'SELECT order_id, status, total FROM inventory.reservations',
  );
  const committedItems = await rows<{ product_id: string; quantity: string }>(
    `SELECT i.product_id, sum(i.quantity) AS quantity FROM inventory.reservations r
       JOIN inventory.reservation_items i ON i.reservation_id = r.id
      WHERE r.status = 'COMMITTED' GROUP BY i.product_id`,
  );
  const payments = await rows<{
    id: string;
    order_id: string;
    user_id: string | null;
    provider: string | null;
    amount: number;
    status: string;
  }>('SELECT id, order_id, user_id, provider, amount, status FROM payment.payments');
  const captures = await rows<{ payment_id: string; captures: string }>(
    `SELECT payment_id, count(*) AS captures FROM payment.payment_ledger WHERE kind = 'capture' GROUP BY payment_id`,
  );
  const wallets = await rows<{ user_id: string; balance: number; held: number }>(
    'SELECT user_id, balance, held FROM payment.wallets',
  );
  const carts = await rows<{ user_id: string; status: string; items: { productId: string; quantity: number }[] }>(
    `SELECT c.user_id, c.status,
            coalesce(json_agg(json_build_object('productId', i.product_id, 'quantity', i.quantity)
                     ORDER BY i.product_id) FILTER (WHERE i.product_id IS NOT NULL), '[]') AS items
       FROM cart.carts c LEFT JOIN cart.cart_items i ON i.cart_id = c.id GROUP BY c.id`,
  );
  const checkouts = await rows<{ order_id: string; status: string }>('SELECT order_id, status FROM cart.checkouts');
  const recoveries = await rows<{ entry: string; n: string }>(
    `SELECT type || ' ' || coalesce(step_id, '') AS entry, count(*) AS n FROM saga.saga_events
      WHERE saga_id IN (SELECT id FROM saga.saga_instances WHERE ${notHistory})
        AND type IN ('step-timed-out', 'step-retried', 'compensation-timed-out', 'compensation-retried', 'compensation-failed')
      GROUP BY 1`,
  );
  // One query at a time: the snapshot is one client, and a pg client runs one query at once.
  const unpublishedRows: {
    schema: string;
    routing_key: string;
    attempts: number;
    last_error: string | null;
    due_in_s: number;
  }[] = [];
  for (const schema of serviceSchemas) {
    unpublishedRows.push(
      ...(await rows<(typeof unpublishedRows)[number]>(
        `SELECT '${schema}' AS schema, routing_key, attempts, last_error,
                round(extract(epoch FROM available_at - now())::numeric, 1)::float AS due_in_s
           FROM ${schema}.outbox WHERE published_at IS NULL ORDER BY id`,
      )),
    );
  }
  const unpublished = count(unpublishedRows.map((r) => r.schema));

  const violations: string[] = [];
  const check = (what: string, offenders: readonly unknown[]) => {
    if (offenders.length > 0) {
      const examples = offenders.slice(0, 3).map((o) => (typeof o === 'string' ? o : JSON.stringify(o)));
      violations.push(`${what}: ${offenders.length} (e.g. ${examples.join('; ')})`);
    }
  };
  const byOrder = <T extends { order_id: string }>(list: T[]) => new Map(list.map((r) => [r.order_id, r]));
  const orderById = new Map(orders.map((o) => [o.id, o]));
  const reservationOf = byOrder(reservations);
  const paymentOf = byOrder(payments);
  const checkoutOf = byOrder(checkouts);
  const placed = load.placed;

  // Every order placed exists exactly once, and nothing else was ordered.
  check(
    'orders placed but not accepted',
    load.planned.filter((p) => !placed.some((o) => o.index === p.index)).map((p) => p.idempotencyKey),
  );
  check('orders accepted twice under different ids', duplicates(placed.map((o) => o.orderId)));
  check(
    'orders in the database nobody placed',
    orders.filter((o) => !placed.some((p) => p.orderId === o.id)),
  );
  check('placed orders missing from the database', placed.filter((p) => !orderById.has(p.orderId)).map(label));
  check('shoppers with more than one order', duplicates(orders.map((o) => o.user_id)));
  const keyOrder = new Map(keys.map((k) => [k.key, k.order_id]));
  check(
    'idempotency keys not answering their order',
    placed.filter((p) => keyOrder.get(p.idempotencyKey) !== p.orderId).map(label),
  );

  check('outbox rows never published', unpublishedRows);

  // Every order settled, as it had to, with one saga that says the same.
  const terminal = (status: string) => status === 'COMPLETED' || status === 'FAILED';
  check(
    'orders stuck (not COMPLETED or FAILED)',
    orders.filter((o) => !terminal(o.status)).map((o) => `${o.id} ${o.status}`),
  );
  const sagasOf = new Map<string, typeof sagas>();
  for (const saga of sagas) sagasOf.set(saga.correlation_id, [...(sagasOf.get(saga.correlation_id) ?? []), saga]);
  check(
    'orders without exactly one saga',
    orders.filter((o) => sagasOf.get(o.id)?.length !== 1).map((o) => `${o.id} has ${sagasOf.get(o.id)?.length ?? 0}`),
  );
  check(
    'sagas of no order',
    sagas.filter((s) => !orderById.has(s.correlation_id)).map((s) => s.id),
  );
  const attention = sagas.filter((s) => s.status === 'REQUIRES_ATTENTION');
  if (attention.length > (options.requiresAttention ?? 0)) {
    check(
      `sagas REQUIRES_ATTENTION (allowed: ${options.requiresAttention ?? 0})`,
      attention.map((s) => `${s.id} at ${s.current_step}`),
    );
  }
  check(
    'sagas still running',
    sagas.filter((s) => !terminal(s.status) && s.status !== 'REQUIRES_ATTENTION').map((s) => `${s.id} ${s.status}`),
  );
  check(
    'sagas whose outcome differs from their order',
    orders
      .filter((o) => terminal(o.status) && sagasOf.get(o.id)?.length === 1 && sagasOf.get(o.id)![0].status !== o.status)
      .map((o) => `${o.id}: order ${o.status}, saga ${sagasOf.get(o.id)![0].status}`),
  );
  check(
    'orders settled otherwise than their kind requires',
    placed
      .map((p) => ({ p, o: orderById.get(p.orderId) }))
      .filter(({ o }) => o && terminal(o.status))
      .filter(({ p, o }) => {
        const outcome = o!.status === 'COMPLETED' ? 'COMPLETED' : o!.failure_code;
        return outcome !== p.expected && !(options.timeoutsAllowed && outcome === 'step_timed_out');
      })
      .map(({ p, o }) => `${label(p)} expected ${p.expected}, got ${o!.status} ${o!.failure_code ?? ''}`.trim()),
  );

  // Stock is conserved, agrees with its ledger, and what was sold is what completed orders bought.
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
          ledger(p.id, 'restock') - ledger(p.id, 'reserve') + ledger(p.id, 'release') !== p.available ||
          ledger(p.id, 'reserve') - ledger(p.id, 'release') - ledger(p.id, 'commit') !== p.reserved ||
          ledger(p.id, 'commit') !== p.sold,
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

  // Money: captured once, for exactly one COMPLETED order, for its total; nothing left held.
  const captured = payments.filter((p) => p.status === 'CAPTURED');
  check(
    'captured payments not belonging to a COMPLETED order',
    captured.filter((p) => orderById.get(p.order_id)?.status !== 'COMPLETED').map((p) => p.order_id),
  );
  check(
    'COMPLETED orders without one captured payment of their total',
    orders
      .filter((o) => o.status === 'COMPLETED')
      .filter((o) => paymentOf.get(o.id)?.status !== 'CAPTURED' || paymentOf.get(o.id)?.amount !== o.total)
      .map((o) => `${o.id}: ${JSON.stringify(paymentOf.get(o.id) ?? null)}`),
  );
  const capturesOf = new Map(captures.map((c) => [c.payment_id, Number(c.captures)]));
  check(
    'payments captured more or less than once',
    payments
      .filter((p) => (capturesOf.get(p.id) ?? 0) !== (p.status === 'CAPTURED' ? 1 : 0))
      .map((p) => `${p.order_id} ${p.status} captured ${capturesOf.get(p.id) ?? 0}x`),
  );
  check(
    'payments left AUTHORIZED',
    payments.filter((p) => p.status === 'AUTHORIZED').map((p) => p.order_id),
  );
  check(
    'wallets negative or still holding money',
    wallets.filter((w) => w.balance < 0 || w.held !== 0).map((w) => `${w.user_id}: ${w.balance} held ${w.held}`),
  );
  const paidFromWallet = new Map<string, number>();
  for (const p of captured) {
    if (p.provider === 'wallet' && p.user_id)
      paidFromWallet.set(p.user_id, (paidFromWallet.get(p.user_id) ?? 0) + p.amount);
  }
  check(
    'wallets whose balance is not credit minus captured payments',
    [...load.credits]
      .map(([userId, credit]) => ({ userId, credit, wallet: wallets.find((w) => w.user_id === userId) }))
      .filter(({ userId, credit, wallet }) => wallet?.balance !== credit - (paidFromWallet.get(userId) ?? 0))
      .map(
        ({ userId, credit, wallet }) =>
          `${userId}: ${wallet?.balance} != ${credit} - ${paidFromWallet.get(userId) ?? 0}`,
      ),
  );

  // Carts: none left locked; emptied by a completed order, intact after a failed one.
  check('carts or checkouts left LOCKED', [
    ...carts.filter((c) => c.status === 'LOCKED').map((c) => c.user_id),
    ...checkouts.filter((c) => c.status === 'LOCKED').map((c) => c.order_id),
  ]);
  const cartOf = new Map(carts.map((c) => [c.user_id, c]));
  const sorted = (items: readonly { productId: string; quantity: number }[]) =>
    JSON.stringify(
      [...items].sort((a, b) => a.productId.localeCompare(b.productId)).map((i) => [i.productId, i.quantity]),
    );
  check(
    'carts not emptied by their COMPLETED order, or not intact after their FAILED one',
    placed
      .filter((p) => p.cart.length > 0 && terminal(orderById.get(p.orderId)?.status ?? ''))
      .filter((p) => {
        const completed = orderById.get(p.orderId)!.status === 'COMPLETED';
        const cart = cartOf.get(p.userId);
        if (completed) return checkoutOf.get(p.orderId)?.status !== 'CLEARED' || (cart?.items.length ?? 0) !== 0;
        return cart?.status !== 'OPEN' || sorted(cart.items) !== sorted(p.cart);
      })
      .map(label),
  );

  const failedByReason = count(orders.filter((o) => o.status === 'FAILED').map((o) => o.failure_code ?? '(none)'));
  const stuckSagas = sagas.filter((s) => !terminal(s.status)).slice(0, 5);
  const stuck: string[] = [];
  for (const saga of stuckSagas) {
    const events = await rows<{ type: string; step_id: string | null; status_after: string; at: Date }>(
      `SELECT type, step_id, status_after, at FROM saga.saga_events WHERE saga_id = '${saga.id}' ORDER BY seq DESC LIMIT 6`,
    );
    stuck.push(
      `saga ${saga.id} (order ${saga.correlation_id}) ${saga.status} at ${saga.current_step}: ` +
        events
          .reverse()
          .map((e) => `${e.type} ${e.step_id ?? ''}@${e.at.toISOString().slice(11, 23)}`)
          .join(', '),
    );
  }

  return {
    ordersPlaced: placed.length,
    ordersByStatus: count(orders.map((o) => o.status)),
    failedByReason,
    sagasByStatus: count(sagas.map((s) => s.status)),
    sagaRecoveries: Object.fromEntries(recoveries.map((r) => [r.entry, Number(r.n)])),
    paymentsCaptured: { count: captured.length, amount: captured.reduce((sum, p) => sum + p.amount, 0) },
    stock: ours.map((p) => ({
      name: p.name,
      before: load.initialStock.get(p.id)!,
      available: p.available,
      reserved: p.reserved,
      sold: p.sold,
    })),
    unpublishedOutbox: unpublished,
    violations,
    stuck,
  };
}

/**
 * Prints a suite's figures in one block: the seed, the faults injected and when, the counts of
 * orders, failures by reason, payments, stock before and after, sagas by status, and the times.
 */
export function printReport(
  title: string,
  facts: {
    seed?: number;
    faults: readonly string[];
    load: MixedLoad;
    report: InvariantReport;
    timings: Record<string, number>;
  },
): void {
  const { report, load } = facts;
  const kinds = count(load.placed.map((p) => p.kind));
  const lines = [
    `==== ${title} ====`,
    ...(facts.seed === undefined ? [] : [`seed: ${facts.seed} (replay with E2E_SEED=${facts.seed})`]),
    `faults: ${facts.faults.join(' | ') || 'none'}`,
    `orders placed: ${report.ordersPlaced} ${format(kinds)}; POST retries: ${load.retries}`,
    `orders: ${format(report.ordersByStatus)}`,
    `failed by reason: ${format(report.failedByReason)}`,
    `payments captured: ${report.paymentsCaptured.count} for ${report.paymentsCaptured.amount} cents`,
    'stock (before -> available/reserved/sold):',
    ...report.stock.map((s) => `  ${s.name.padEnd(14)} ${s.before} -> ${s.available}/${s.reserved}/${s.sold}`),
    `sagas: ${format(report.sagasByStatus)}`,
    `saga deadlines and re-sends: ${format(report.sagaRecoveries) || 'none'}`,
    `outbox rows unpublished: ${format(report.unpublishedOutbox) || 'none'}; dead letters: ${format(report.deadLetters) || 'none'}`,
    `time: ${Object.entries(facts.timings)
      .map(([k, ms]) => `${k} ${(ms / 1000).toFixed(1)} s`)
      .join(', ')}`,
    `invariants: ${report.violations.length === 0 ? 'all hold' : `${report.violations.length} broken`}`,
    ...report.violations.map((v) => `  BROKEN ${v}`),
    ...report.stuck.map((s) => `  STUCK ${s}`),
  ];
  console.log(lines.join('\n'));
}

function label(order: PlacedOrder | { index: number; kind: string; orderId?: string }): string {
  return `#${order.index} ${order.kind}${'orderId' in order && order.orderId ? ` ${order.orderId}` : ''}`;
}

function duplicates(values: readonly string[]): string[] {
  const seen = new Set<string>();
  return values.filter((v) => (seen.has(v) ? true : (seen.add(v), false)));
}

function count(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

function format(counts: Record<string, number>): string {
  return Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
}
