import type { CommandHandlers } from '@saga/participant';
import type { LowStockSettings } from '../domain/low-stock';
import { commitStock } from './commit-stock';
import { releaseStock } from './release-stock';
import { reserveStock } from './reserve-stock';
import { returnStock } from './return-stock';

/** The inventory worker's handler for each inventory command, reserving by the shop's low-stock rule. */
export function inventoryHandlers(
  lowStockSettings: LowStockSettings,
): CommandHandlers<'inventory.reserve' | 'inventory.release' | 'inventory.commit' | 'inventory.return'> {
  return {
    'inventory.reserve': reserveStock(lowStockSettings),
    'inventory.release': releaseStock,
    'inventory.commit': commitStock,
    'inventory.return': returnStock,
  };
}
