import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@saga/persistence';

/** The outbox and inbox tables, created in the schema of whichever service runs this migration. */
export class CreateMessagingTables1732200000000 implements MigrationInterface {
  name = 'CreateMessagingTables1732200000000';

  async up(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner.connection);
    await runner.query(`
      CREATE TABLE "${s}".outbox (
        id bigserial PRIMARY KEY,
        message_id uuid NOT NULL UNIQUE,
        exchange text NOT NULL,
        routing_key text NOT NULL,
        envelope jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        available_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz,
        attempts int NOT NULL DEFAULT 0,
        last_error text
      )`);
    await runner.query(
      `CREATE INDEX outbox_unpublished ON "${s}".outbox (available_at, id) WHERE published_at IS NULL`,
    );
    await runner.query(`
      CREATE TABLE "${s}".inbox (
        message_id uuid NOT NULL,
        consumer text NOT NULL,
        message_type text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        outbox_message_ids uuid[] NOT NULL DEFAULT '{}',
        PRIMARY KEY (message_id, consumer)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner.connection);
    await runner.query(`DROP TABLE "${s}".inbox`);
    await runner.query(`DROP TABLE "${s}".outbox`);
  }
}
