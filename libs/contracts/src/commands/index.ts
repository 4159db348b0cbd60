import { cartCheckout, cartClear, cartRelease } from './cart';
import { inventoryCommit, inventoryRelease, inventoryReserve } from './inventory';
import { orderApprove, orderProcess, orderReject } from './order';
import { paymentAuthorize, paymentCapture, paymentVoid } from './payment';

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
} as const;
export type CommandType = keyof typeof commandContracts;

export function isCommandType(type: string): type is CommandType {
  return Object.hasOwn(commandContracts, type);
}
