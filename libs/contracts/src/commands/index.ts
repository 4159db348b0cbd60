import { cartCheckout, cartClear, cartRelease } from './cart';
import { inventoryCommit, inventoryRelease, inventoryReserve, inventoryReturn } from './inventory';
import {
  orderApprove,
  orderCompleteRefund,
  orderFailRefund,
  orderOpenRefund,
  orderProcess,
  orderReject,
} from './order';
import { paymentAuthorize, paymentCapture, paymentRefund, paymentVoid } from './payment';

export * from './cart';
export * from './define-command';
export * from './inventory';
export * from './order';
export * from './payment';

/** Every command of the system, by its type (which is also its routing key). */
export const commandContracts = {
  [orderProcess.type]: orderProcess,
  [orderApprove.type]: orderApprove,
  [orderReject.type]: orderReject,
  [cartCheckout.type]: cartCheckout,
  [cartRelease.type]: cartRelease,
  [cartClear.type]: cartClear,
  [inventoryReserve.type]: inventoryReserve,
  [inventoryRelease.type]: inventoryRelease,
  [inventoryCommit.type]: inventoryCommit,
  [paymentAuthorize.type]: paymentAuthorize,
  [paymentVoid.type]: paymentVoid,
  [paymentCapture.type]: paymentCapture,
  [orderOpenRefund.type]: orderOpenRefund,
  [orderFailRefund.type]: orderFailRefund,
  [orderCompleteRefund.type]: orderCompleteRefund,
  [paymentRefund.type]: paymentRefund,
  [inventoryReturn.type]: inventoryReturn,
} as const;
export type CommandType = keyof typeof commandContracts;

export function isCommandType(type: string): type is CommandType {
  return Object.hasOwn(commandContracts, type);
}
