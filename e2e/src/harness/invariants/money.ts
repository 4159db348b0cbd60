import type { Check, RuleInput } from './rule';

/**
 * Money is captured once, for exactly one COMPLETED order, for its total; nothing is left held; every
 * wallet is what its ledger adds up to.
 */
export function checkMoney({ snapshot, load }: RuleInput, check: Check): void {
  const { orders, payments, captures, wallets, walletLedgers } = snapshot;
  const orderById = new Map(orders.map((o) => [o.id, o]));
  const paymentOf = new Map(payments.map((p) => [p.order_id, p]));
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
  const ledgerOf = new Map(walletLedgers.map((l) => [l.user_id, l]));
  const ledgerOfWallet = (userId: string) => ledgerOf.get(userId) ?? { balance: 0, held: 0 };
  check(
    'wallets whose balance or hold is not what their ledger adds up to',
    wallets
      .filter((w) => ledgerOfWallet(w.user_id).balance !== w.balance || ledgerOfWallet(w.user_id).held !== w.held)
      .map((w) => `${w.user_id}: ${w.balance} held ${w.held}, ledger ${JSON.stringify(ledgerOfWallet(w.user_id))}`),
  );
}
