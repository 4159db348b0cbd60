import type { MigrationInterface, QueryRunner } from 'typeorm';
import { allowPruning, makeAppendOnlyStrict } from '@saga/persistence';

/** The saga log stays append-only, except to the retention pass that deletes finished sagas. */
export class AllowSagaLogPruning1732200000102 implements MigrationInterface {
  name = 'AllowSagaLogPruning1732200000102';

  async up(runner: QueryRunner): Promise<void> {
    await allowPruning(runner, 'saga_events');
  }

  async down(runner: QueryRunner): Promise<void> {
    await makeAppendOnlyStrict(runner, 'saga_events');
  }
}
