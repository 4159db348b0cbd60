import { CreateInventoryTables1732200001000 } from './1732200001000-create-inventory-tables';
import { MoneyInBigint1732200001200 } from './1732200001200-money-in-bigint';
import { StockReturns1732200001300 } from './1732200001300-stock-returns';
import { LowStockThreshold1732200001400 } from './1732200001400-low-stock-threshold';

/** The inventory schema's migrations, oldest first. */
export const inventoryMigrations = [
  CreateInventoryTables1732200001000,
  MoneyInBigint1732200001200,
  StockReturns1732200001300,
  LowStockThreshold1732200001400,
];
