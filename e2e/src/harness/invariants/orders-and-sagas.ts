import type { Check, RuleInput } from './rule';
import { duplicates, label, terminal } from './tally';

/** Every order placed exists once and settled as its kind requires, with one saga that says the same. */
export function checkOrdersAndSagas({ snapshot, load, options }: RuleInput, check: Check): void {
  const { orders, keys, sagas, unpublishedRows } = snapshot;
  const orderById = new Map(orders.map((o) => [o.id, o]));
  const placed = load.placed;
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
}
