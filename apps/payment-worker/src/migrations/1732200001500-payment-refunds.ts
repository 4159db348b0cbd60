import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@saga/persistence';

/**
 * Refunds of captured payments: one row per refund (its intent, then its outcome), the amount each
 * payment has given back (never more than it took, by a CHECK), and refund movements in the payment
 * ledger, of which a payment may have several.
 */
export class PaymentRefunds1732200001500 implements MigrationInterface {
  name = 'PaymentRefunds1732200001500';

  async up(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner.connection);
    await runner.query(`
      ALTER TABLE "${s}".payments DROP CONSTRAINT payments_status_check,
        ADD CONSTRAINT payments_status_check CHECK (status IN
          ('AUTHORIZING', 'REQUIRES_ACTION', 'AUTHORIZED', 'CAPTURED', 'PARTIALLY_REFUNDED', 'REFUNDED', 'VOIDED', 'DECLINED')),
        ADD COLUMN refunded bigint NOT NULL DEFAULT 0,
        ADD CONSTRAINT payments_refunded_within_amount CHECK (refunded BETWEEN 0 AND amount)`);
    await runner.query(`
      ALTER TABLE "${s}".payment_ledger DROP CONSTRAINT payment_ledger_kind_check,
        ADD CONSTRAINT payment_ledger_kind_check CHECK (kind IN ('authorize', 'capture', 'void', 'decline', 'refund')),
        DROP CONSTRAINT payment_ledger_once_per_kind`);
    // Each movement but a refund still happens at most once per payment.
    await runner.query(
      `CREATE UNIQUE INDEX payment_ledger_once_per_kind ON "${s}".payment_ledger (payment_id, kind) WHERE kind <> 'refund'`,
    );
    await runner.query(`
      CREATE TABLE "${s}".payment_refunds (
        refund_id uuid PRIMARY KEY,
        payment_id uuid NOT NULL REFERENCES "${s}".payments (id),
        order_id uuid NOT NULL,
        amount bigint NOT NULL CHECK (amount > 0),
        status text NOT NULL CHECK (status IN ('PENDING', 'SUCCEEDED', 'FAILED')),
        provider_ref text,
        failure_message text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`CREATE INDEX payment_refunds_of_payment ON "${s}".payment_refunds (payment_id)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner.connection);
    await runner.query(`DROP TABLE "${s}".payment_refunds`);
    await runner.query(`DROP INDEX "${s}".payment_ledger_once_per_kind`);
    await runner.query(`
      ALTER TABLE "${s}".payment_ledger DROP CONSTRAINT payment_ledger_kind_check,
        ADD CONSTRAINT payment_ledger_kind_check CHECK (kind IN ('authorize', 'capture', 'void', 'decline')),
        ADD CONSTRAINT payment_ledger_once_per_kind UNIQUE (payment_id, kind)`);
    await runner.query(`
      ALTER TABLE "${s}".payments DROP CONSTRAINT payments_refunded_within_amount, DROP COLUMN refunded,
        DROP CONSTRAINT payments_status_check,
        ADD CONSTRAINT payments_status_check
          CHECK (status IN ('AUTHORIZING', 'REQUIRES_ACTION', 'AUTHORIZED', 'CAPTURED', 'VOIDED', 'DECLINED'))`);
  }
}
