import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@saga/persistence';

/** AMQP headers an outbox message is published with (e.g. the saga step a command belongs to). */
export class AddOutboxHeaders1732200000001 implements MigrationInterface {
  name = 'AddOutboxHeaders1732200000001';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      `ALTER TABLE "${schemaOf(runner.connection)}".outbox ADD COLUMN headers jsonb NOT NULL DEFAULT '{}'`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE "${schemaOf(runner.connection)}".outbox DROP COLUMN headers`);
  }
}
