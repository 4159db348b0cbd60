import type { MigrationInterface, QueryRunner } from 'typeorm';
import { dropAppendOnly, makeAppendOnly, schemaOf } from '@saga/persistence';

/**
 * The wallet ledger: one append-only row per movement of a wallet's money, from which every balance
 * and hold can be recomputed; and the top-ups shoppers pay by card. Wallets opened before the ledger
 * get an opening credit of their balance and a hold of what they held, so the sums start out right.
 */
export class WalletLedger1732200001400 implements MigrationInterface {
  name = 'WalletLedger1732200001400';

  async up(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner.connection);
    await runner.query(`
      CREATE TABLE "${s}".wallet_ledger (
        id bigserial PRIMARY KEY,
        user_id text NOT NULL REFERENCES "${s}".wallets (user_id),
        kind text NOT NULL CHECK (kind IN ('credit', 'top-up', 'hold', 'release', 'capture', 'refund')),
        amount bigint NOT NULL CHECK (amount > 0),
        payment_id uuid,
        top_up_id uuid,
        balance_after bigint NOT NULL,
        held_after bigint NOT NULL,
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`CREATE INDEX wallet_ledger_of ON "${s}".wallet_ledger (user_id, id)`);
    await runner.query(`
      INSERT INTO "${s}".wallet_ledger (user_id, kind, amount, balance_after, held_after)
      SELECT user_id, 'credit', balance, balance, 0 FROM "${s}".wallets WHERE balance > 0 ORDER BY user_id`);
    await runner.query(`
      INSERT INTO "${s}".wallet_ledger (user_id, kind, amount, balance_after, held_after)
      SELECT user_id, 'hold', held, balance, held FROM "${s}".wallets WHERE held > 0 ORDER BY user_id`);
    await makeAppendOnly(runner, 'wallet_ledger');
    await runner.query(`
      CREATE TABLE "${s}".wallet_top_ups (
        id uuid PRIMARY KEY,
        user_id text NOT NULL,
        idempotency_key text NOT NULL,
        request_hash text NOT NULL,
        amount bigint NOT NULL CHECK (amount > 0),
        currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        provider text NOT NULL,
        status text NOT NULL CHECK (status IN ('PENDING', 'SUCCEEDED', 'DECLINED')),
        payment_method jsonb,
        provider_ref text,
        failure_code text,
        failure_message text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (user_id, idempotency_key),
        CHECK ((payment_method IS NOT NULL) = (status = 'PENDING')),
        CHECK ((status = 'DECLINED') = (failure_code IS NOT NULL))
      )`);
    await runner.query(
      `CREATE INDEX wallet_top_ups_pending ON "${s}".wallet_top_ups (created_at) WHERE status = 'PENDING'`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner.connection);
    await runner.query(`DROP TABLE "${s}".wallet_top_ups`);
    await runner.query(`DROP TABLE "${s}".wallet_ledger`);
    await dropAppendOnly(runner, 'wallet_ledger');
  }
}
