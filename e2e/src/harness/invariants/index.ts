import { deadLetterQueueName, namespaced, Queues } from '@saga/contracts';
import { queueDepth } from '@saga/testing';
import type { PoolClient } from 'pg';
import type { SystemUnderTest } from '../system-under-test';
import { checkCarts } from './carts';
import { checkMoney } from './money';
import { checkOrdersAndSagas } from './orders-and-sagas';
import type { InvariantOptions, InvariantReport, PlacedLoad } from './placed-load';
import type { Check } from './rule';
import { readSnapshot } from './snapshot';
import { checkStock } from './stock';
import { count, terminal } from './tally';

export { historyPrefix } from './placed-load';
export type { InvariantOptions, InvariantReport, PlacedLoad } from './placed-load';
export { printReport } from './report';

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
  const snapshot = await readSnapshot(client);
  const violations: string[] = [];
  const check: Check = (what, offenders) => {
    if (offenders.length > 0) {
      const examples = offenders.slice(0, 3).map((o) => (typeof o === 'string' ? o : JSON.stringify(o)));
      violations.push(`${what}: ${offenders.length} (e.g. ${examples.join('; ')})`);
    }
  };
  const input = { snapshot, load, options };
  for (const rules of [checkOrdersAndSagas, checkStock, checkMoney, checkCarts]) rules(input, check);

  const { orders, sagas, products, payments, recoveries, unpublished } = snapshot;
  const failedByReason = count(orders.filter((o) => o.status === 'FAILED').map((o) => o.failure_code ?? '(none)'));
  const ours = products.filter((p) => load.initialStock.has(p.id));
  const captured = payments.filter((p) => p.status === 'CAPTURED');
  const stuckSagas = sagas.filter((s) => !terminal(s.status)).slice(0, 5);
  const stuck: string[] = [];
  for (const saga of stuckSagas) {
    const { rows: events } = await client.query<{ type: string; step_id: string | null; at: Date }>(
      `SELECT type, step_id, at FROM saga.saga_events WHERE saga_id = $1 ORDER BY seq DESC LIMIT 6`,
      [saga.id],
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
    ordersPlaced: load.placed.length,
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
