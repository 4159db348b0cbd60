import { randomUUID } from 'node:crypto';
import { openPaymentTestDatabase, type PaymentTestDatabase } from '../testing/payment-test-database';

let db: PaymentTestDatabase;
beforeAll(async () => {
  db = await openPaymentTestDatabase();
});
afterAll(() => db.close());

const query = (sql: string, params: unknown[] = []) => db.dataSource.query(sql, params);

async function insertPayment(fields: Record<string, unknown>): Promise<string> {
  const row = {
    id: randomUUID(),
    order_id: randomUUID(),
    user_id: 'dana',
    provider: 'wallet',
    provider_ref: 'hold_1',
    amount: 1_000,
    currency: 'USD',
    status: 'AUTHORIZED',
    failure_code: null,
    failure_message: null,
    ...fields,
  };
  const columns = Object.keys(row);
  await query(
    `INSERT INTO payment.payments (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
    Object.values(row),
  );
  return row.id;
}

describe('the payment schema', () => {
  it('refuses a wallet holding more than its balance, or going negative', async () => {
    await query(`INSERT INTO payment.wallets (user_id, balance, held) VALUES ('erin', 1000, 1000)`);

    await expect(query(`UPDATE payment.wallets SET held = 1001 WHERE user_id = 'erin'`)).rejects.toThrow(
      /wallets_held_within_balance/,
    );
    await expect(query(`UPDATE payment.wallets SET balance = -1, held = 0 WHERE user_id = 'erin'`)).rejects.toThrow(
      /check/,
    );
    await expect(query(`UPDATE payment.wallets SET held = -1 WHERE user_id = 'erin'`)).rejects.toThrow(/check/);
  });

  it('allows one payment per order', async () => {
    const orderId = randomUUID();
    await insertPayment({ order_id: orderId });

    await expect(insertPayment({ order_id: orderId })).rejects.toThrow(/duplicate key/);
  });

  it('allows a payment without provider only as a VOIDED tombstone of amount 0', async () => {
    await insertPayment({ provider: null, user_id: null, provider_ref: null, status: 'VOIDED', amount: 0 });

    await expect(
      insertPayment({ provider: null, user_id: null, provider_ref: null, status: 'AUTHORIZED', amount: 0 }),
    ).rejects.toThrow(/payments_real_or_tombstone/);
    await expect(
      insertPayment({ provider: null, user_id: null, provider_ref: null, status: 'VOIDED', amount: 5 }),
    ).rejects.toThrow(/payments_real_or_tombstone/);
  });

  it('requires a failure exactly on declined payments and a provider reference on the others', async () => {
    await expect(insertPayment({ status: 'DECLINED', provider_ref: null })).rejects.toThrow(
      /payments_failure_iff_declined/,
    );
    await expect(
      insertPayment({ failure_code: 'card_declined', failure_message: 'Your card was declined.' }),
    ).rejects.toThrow(/payments_failure_iff_declined/);
    await expect(insertPayment({ provider_ref: null })).rejects.toThrow(/payments_provider_ref_once_authorized/);
  });

  it('keeps the ledger append-only and records each kind of movement once per payment', async () => {
    const paymentId = await insertPayment({});
    const [{ order_id: orderId }] = await query('SELECT order_id FROM payment.payments WHERE id = $1', [paymentId]);
    const append = (kind: string) =>
      query('INSERT INTO payment.payment_ledger (payment_id, order_id, kind, amount) VALUES ($1, $2, $3, 1000)', [
        paymentId,
        orderId,
        kind,
      ]);
    await append('authorize');
    await append('capture');

    await expect(append('capture')).rejects.toThrow(/payment_ledger_once_per_kind/);
    await expect(
      query('UPDATE payment.payment_ledger SET amount = 1 WHERE payment_id = $1', [paymentId]),
    ).rejects.toThrow(/append-only/);
    await expect(query('DELETE FROM payment.payment_ledger WHERE payment_id = $1', [paymentId])).rejects.toThrow(
      /append-only/,
    );
  });
});
