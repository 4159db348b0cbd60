import type { DataSource } from 'typeorm';
import { messagingEntities, messagingMigrations } from '@saga/outbox';
import { createServiceDataSource, initializeDataSource } from '@saga/persistence';
import type { ServiceDefinition } from './run-service';

/**
 * Connects to a service's schema with its entities and the outbox and inbox, and runs every pending
 * migration. runService starts with this; specs that test a service's domain on a real database do too.
 */
export async function openServiceDatabase(
  definition: Pick<ServiceDefinition, 'name' | 'schema' | 'entities' | 'migrations'>,
  url: string,
  options: { readonly poolSize?: number } = {},
): Promise<DataSource> {
  return initializeDataSource(
    createServiceDataSource({
      url,
      schema: definition.schema,
      entities: [...messagingEntities, ...toArray(definition.entities)],
      migrations: [...messagingMigrations, ...toArray(definition.migrations)],
      applicationName: definition.name,
      poolSize: options.poolSize,
    }),
  );
}

function toArray<T>(list: readonly T[] | Record<string, T>): T[] {
  return Array.isArray(list) ? [...list] : Object.values(list);
}
