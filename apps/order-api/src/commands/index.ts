import type { CommandHandlers } from '@saga/participant';
import { approveOrder } from './approve-order';
import { completeRefund } from './complete-refund';
import { failRefund } from './fail-refund';
import { openRefund } from './open-refund';
import { processOrder } from './process-order';
import { rejectOrder } from './reject-order';

/** The order.* commands the sagas send to the order service: the order saga's, then the refund saga's. */
export const orderCommandHandlers: CommandHandlers<
  | 'order.process'
  | 'order.approve'
  | 'order.reject'
  | 'order.open-refund'
  | 'order.fail-refund'
  | 'order.complete-refund'
> = {
  'order.process': processOrder,
  'order.approve': approveOrder,
  'order.reject': rejectOrder,
  'order.open-refund': openRefund,
  'order.fail-refund': failRefund,
  'order.complete-refund': completeRefund,
};
