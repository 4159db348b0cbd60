import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@saga/persistence';

/**
 * Idempotency-Keys belong to the user who sent them: one user's key never answers, or blocks,
 * another's request. Keys recorded before are given the user of the order they placed.
 */
export class IdempotencyKeysPerUser1732200001400 implements MigrationInterface {
  name = 'IdempotencyKeysPerUser1732200001400';

  async up(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner.connection);
    await runner.query(`ALTER TABLE "${s}".idempotency_keys ADD COLUMN user_id text`);
    await runner.query(`
      UPDATE "${s}".idempotency_keys k SET user_id = o.user_id
        FROM "${s}".orders o WHERE o.id = (k.response_body->>'orderId')::uuid`);
    await runner.query(`DELETE FROM "${s}".idempotency_keys WHERE user_id IS NULL`);
    await runner.query(`
      ALTER TABLE "${s}".idempotency_keys ALTER COLUMN user_id SET NOT NULL,
        DROP CONSTRAINT idempotency_keys_pkey, ADD PRIMARY KEY (user_id, key)`);
    await runner.query(`CREATE INDEX idempotency_keys_by_age ON "${s}".idempotency_keys USING brin (created_at)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner.connection);
    await runner.query(`DROP INDEX "${s}".idempotency_keys_by_age`);
    await runner.query(`
      DELETE FROM "${s}".idempotency_keys a USING "${s}".idempotency_keys b
       WHERE a.key = b.key AND a.created_at > b.created_at`);
    await runner.query(`
      ALTER TABLE "${s}".idempotency_keys DROP CONSTRAINT idempotency_keys_pkey, DROP COLUMN user_id,
        ADD PRIMARY KEY (key)`);
  }
}
