import { CreateInventoryTables1732200001000 } from './1732200001000-create-inventory-tables';

/** The inventory schema's migrations, oldest first. */
export const inventoryMigrations = [CreateInventoryTables1732200001000];
