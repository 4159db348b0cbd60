import type { MigrationInterface, QueryRunner } from 'typeorm';
import { dropAppendOnly, makeAppendOnly, schemaOf } from '@saga/persistence';

/** Wallets, payments (one per order) and the append-only payment ledger. */
export class CreatePaymentTables1732200001000 implements MigrationInterface {
  name = 'CreatePaymentTables1732200001000';

  async up(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner.connection);
    await runner.query(`
      CREATE TABLE "${s}".wallets (
        user_id text PRIMARY KEY,
        balance int NOT NULL CHECK (balance >= 0),
        held int NOT NULL DEFAULT 0 CHECK (held >= 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT wallets_held_within_balance CHECK (held <= balance)
      )`);
    await runner.query(`
      CREATE TABLE "${s}".payments (
        id uuid PRIMARY KEY,
        order_id uuid NOT NULL UNIQUE,
        user_id text,
        provider text CHECK (provider IN ('wallet', 'test-card')),
        provider_ref text,
        amount int NOT NULL CHECK (amount >= 0),
        currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        status text NOT NULL CHECK (status IN ('AUTHORIZED', 'CAPTURED', 'VOIDED', 'DECLINED')),
        failure_code text,
        failure_message text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT payments_real_or_tombstone CHECK (
          (provider IS NOT NULL AND user_id IS NOT NULL)
          OR (provider IS NULL AND user_id IS NULL AND provider_ref IS NULL AND status = 'VOIDED' AND amount = 0)
        ),
        CONSTRAINT payments_provider_ref_once_authorized CHECK (
          provider IS NULL OR status = 'DECLINED' OR provider_ref IS NOT NULL
        ),
        CONSTRAINT payments_failure_iff_declined CHECK (
          (status = 'DECLINED') = (failure_code IS NOT NULL)
          AND (failure_code IS NULL) = (failure_message IS NULL)
        )
      )`);
    await runner.query(`
      CREATE TABLE "${s}".payment_ledger (
        id bigserial PRIMARY KEY,
        payment_id uuid NOT NULL REFERENCES "${s}".payments (id),
        order_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('authorize', 'capture', 'void', 'decline')),
        amount int NOT NULL CHECK (amount >= 0),
        at timestamptz NOT NULL DEFAULT now(),
        -- Each movement happens at most once per payment: a second capture cannot even be written down.
        CONSTRAINT payment_ledger_once_per_kind UNIQUE (payment_id, kind)
      )`);
    await runner.query(`CREATE INDEX payment_ledger_order ON "${s}".payment_ledger (order_id, id)`);
    await makeAppendOnly(runner, 'payment_ledger');
  }

  async down(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner.connection);
    await runner.query(`DROP TABLE "${s}".payment_ledger`);
    await dropAppendOnly(runner, 'payment_ledger');
    await runner.query(`DROP TABLE "${s}".payments`);
    await runner.query(`DROP TABLE "${s}".wallets`);
  }
}
