import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@saga/persistence';

/**
 * Every definition version an orchestrator ever ran, with its step list and fingerprint, so a build
 * that changed a version's steps without bumping it is refused at start-up; and on each instance,
 * the fingerprint of the steps it started on.
 */
export class AddSagaDefinitions1732200000103 implements MigrationInterface {
  name = 'AddSagaDefinitions1732200000103';

  async up(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner.connection);
    await runner.query(`
      CREATE TABLE "${s}".saga_definitions (
        name text NOT NULL,
        version int NOT NULL,
        fingerprint text NOT NULL,
        steps jsonb NOT NULL,
        registered_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (name, version)
      )`);
    await runner.query(`ALTER TABLE "${s}".saga_instances ADD COLUMN definition_fingerprint text`);
  }

  async down(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner.connection);
    await runner.query(`ALTER TABLE "${s}".saga_instances DROP COLUMN definition_fingerprint`);
    await runner.query(`DROP TABLE "${s}".saga_definitions`);
  }
}
