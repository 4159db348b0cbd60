import type { CommandHandlers } from '@saga/participant';
import { approveOrder } from './approve-order';
import { processOrder } from './process-order';
import { rejectOrder } from './reject-order';

/** The order.* commands the saga sends to the order service. */
export const orderCommandHandlers: CommandHandlers<'order.process' | 'order.approve' | 'order.reject'> = {
  'order.process': processOrder,
  'order.approve': approveOrder,
  'order.reject': rejectOrder,
};
