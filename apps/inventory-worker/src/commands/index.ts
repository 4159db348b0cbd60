import type { CommandHandlers } from '@saga/participant';
import { commitStock } from './commit-stock';
import { releaseStock } from './release-stock';
import { reserveStock } from './reserve-stock';
import { returnStock } from './return-stock';

/** The inventory worker's handler for each inventory command. */
export const inventoryHandlers: CommandHandlers<
  'inventory.reserve' | 'inventory.release' | 'inventory.commit' | 'inventory.return'
> = {
  'inventory.reserve': reserveStock,
  'inventory.release': releaseStock,
  'inventory.commit': commitStock,
  'inventory.return': returnStock,
};
