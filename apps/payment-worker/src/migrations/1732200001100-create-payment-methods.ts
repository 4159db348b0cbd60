import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@saga/persistence';

/**
 * The payment method each card order was placed with (the card's token), as order-api handed it over:
 * kept here only, never in the saga's state, and deleted once the authorization is decided.
 */
export class CreatePaymentMethods1732200001100 implements MigrationInterface {
  name = 'CreatePaymentMethods1732200001100';

  async up(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner.connection);
    await runner.query(`
      CREATE TABLE "${s}".order_payment_methods (
        order_id uuid PRIMARY KEY,
        user_id text NOT NULL,
        method jsonb NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE "${schemaOf(runner.connection)}".order_payment_methods`);
  }
}
