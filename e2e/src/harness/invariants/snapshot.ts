import type { PoolClient } from 'pg';
import { serviceSchemas } from '../system-under-test';
import { notHistory } from './placed-load';
import { count } from './tally';

/**
 * Every row the invariants look at, read in one REPEATABLE READ transaction, so all of it is one
 * moment of the whole system.
 */
export type SystemSnapshot = Awaited<ReturnType<typeof readSnapshot>>;

/** Reads the snapshot on a client whose transaction is open. */
export async function readSnapshot(client: PoolClient) {
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
  const stockLedger = await rows<{ product_id: string; kind: string; quantity: number }>(
    'SELECT product_id, kind, sum(quantity) AS quantity FROM inventory.stock_ledger GROUP BY product_id, kind',
  );
  const reservations = await rows<{ order_id: string; status: string; total: number }>(
    'SELECT order_id, status, total FROM inventory.reservations',
  );
  const committedItems = await rows<{ product_id: string; quantity: number }>(
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
  const captures = await rows<{ payment_id: string; captures: number }>(
    `SELECT payment_id, count(*) AS captures FROM payment.payment_ledger WHERE kind = 'capture' GROUP BY payment_id`,
  );
  const wallets = await rows<{ user_id: string; balance: number; held: number }>(
    'SELECT user_id, balance, held FROM payment.wallets',
  );
  // What each wallet's ledger adds up to, movement by movement.
  const walletLedgers = await rows<{ user_id: string; balance: number; held: number }>(
    `SELECT user_id,
            sum(CASE WHEN kind IN ('credit', 'top-up', 'refund') THEN amount WHEN kind = 'capture' THEN -amount ELSE 0 END)::bigint
              AS balance,
            sum(CASE kind WHEN 'hold' THEN amount WHEN 'release' THEN -amount WHEN 'capture' THEN -amount ELSE 0 END)::bigint
              AS held
       FROM payment.wallet_ledger GROUP BY user_id`,
  );
  const carts = await rows<{ user_id: string; status: string; items: { productId: string; quantity: number }[] }>(
    `SELECT c.user_id, c.status,
            coalesce(json_agg(json_build_object('productId', i.product_id, 'quantity', i.quantity)
                     ORDER BY i.product_id) FILTER (WHERE i.product_id IS NOT NULL), '[]') AS items
       FROM cart.carts c LEFT JOIN cart.cart_items i ON i.cart_id = c.id GROUP BY c.id`,
  );
  const checkouts = await rows<{ order_id: string; status: string }>('SELECT order_id, status FROM cart.checkouts');
  const recoveries = await rows<{ entry: string; n: number }>(
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
  return {
    orders,
    orderLines,
    keys,
    sagas,
    products,
    stockLedger,
    reservations,
    committedItems,
    payments,
    captures,
    wallets,
    walletLedgers,
    carts,
    checkouts,
    recoveries,
    unpublishedRows,
    unpublished: count(unpublishedRows.map((r) => r.schema)),
  };
}
