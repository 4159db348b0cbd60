import type { EntityManager } from 'typeorm';
import { preparedQuery, schemaOf } from '@saga/persistence';
import { stepListOf, type AnySagaDefinition } from '../engine/definition';

/** Thrown at start-up by a build whose steps for a definition version differ from what that version ran. */
export class DefinitionChangedError extends Error {
  constructor(
    readonly definitionName: string,
    readonly definitionVersion: number,
    readonly registeredFingerprint: string,
    readonly fingerprint: string,
  ) {
    super(
      `saga ${definitionName} v${definitionVersion} ran with steps ${registeredFingerprint}, and this build's ` +
        `v${definitionVersion} has steps ${fingerprint}: a change of steps needs a new version beside the old one`,
    );
    this.name = 'DefinitionChangedError';
  }
}

/**
 * Records each definition version this build runs, the first time it runs; throws
 * DefinitionChangedError when a version was recorded with other steps.
 */
export async function registerDefinitions(
  manager: EntityManager,
  definitions: readonly AnySagaDefinition[],
): Promise<void> {
  const s = schemaOf(manager.connection);
  for (const definition of definitions) {
    const { rows } = await preparedQuery<{ fingerprint: string }>(
      manager,
      `WITH registered AS (
         INSERT INTO "${s}".saga_definitions (name, version, fingerprint, steps) VALUES ($1, $2, $3, $4::jsonb)
         ON CONFLICT (name, version) DO NOTHING RETURNING fingerprint
       )
       SELECT fingerprint FROM registered
       UNION ALL SELECT fingerprint FROM "${s}".saga_definitions WHERE name = $1 AND version = $2`,
      [definition.name, definition.version, definition.fingerprint, JSON.stringify(stepListOf(definition.steps))],
    );
    // A replica registering the same version at the same moment wins the insert; its row is then
    // committed but outside this statement's snapshot, and the next statement sees it.
    const registered = rows[0]?.fingerprint ?? (await registeredFingerprint(manager, definition));
    if (registered !== definition.fingerprint) {
      throw new DefinitionChangedError(definition.name, definition.version, registered, definition.fingerprint);
    }
  }
}

async function registeredFingerprint(manager: EntityManager, definition: AnySagaDefinition): Promise<string> {
  const { rows } = await preparedQuery<{ fingerprint: string }>(
    manager,
    `SELECT fingerprint FROM "${schemaOf(manager.connection)}".saga_definitions WHERE name = $1 AND version = $2`,
    [definition.name, definition.version],
  );
  return rows[0].fingerprint;
}
