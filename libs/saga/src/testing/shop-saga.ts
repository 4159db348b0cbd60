import {
  inventoryCommit,
  inventoryRelease,
  inventoryReserve,
  orderApprove,
  orderProcess,
  orderReject,
  paymentCapture,
  type OrderItem,
  type PricedItem,
} from '@saga/contracts';
import { defineSaga } from '../engine/definition';
import { compensatable, pivot, retriable } from '../engine/step';

/**
 * A small shop saga for the engine's own specs, in two versions: each step states what it reads, and
 * the builder checks that the steps above it produce that.
 */
export interface ShopInput {
  readonly orderId: string;
  readonly items: readonly OrderItem[];
}

export const open = compensatable({
  id: 'open',
  action: { command: orderProcess, payload: (ctx: { orderId: string }) => ({ orderId: ctx.orderId }) },
  compensation: {
    command: orderReject,
    payload: (ctx: { orderId: string }, failure) => ({
      orderId: ctx.orderId,
      code: failure.code,
      reason: failure.message,
    }),
  },
});

export const reserve = compensatable({
  id: 'reserve',
  action: {
    command: inventoryReserve,
    payload: (ctx: { orderId: string; items: readonly OrderItem[] }) => ({
      orderId: ctx.orderId,
      items: [...ctx.items],
    }),
    produces: (result) => ({ reservationId: result.reservationId, pricedItems: result.items, total: result.total }),
  },
  // The undo reads what its own action produced.
  compensation: {
    command: inventoryRelease,
    payload: (ctx: { orderId: string; reservationId: string }) => ({ orderId: ctx.orderId }),
  },
});

export const take = pivot({
  id: 'take',
  action: { command: paymentCapture, payload: (ctx: { orderId: string; total: number }) => ({ orderId: ctx.orderId }) },
});

export const approve = retriable({
  id: 'approve',
  action: {
    command: orderApprove,
    payload: (ctx: { orderId: string; pricedItems: readonly PricedItem[]; total: number }) => ({
      orderId: ctx.orderId,
      items: [...ctx.pricedItems],
      total: ctx.total,
    }),
  },
});

/** v2 adds a step after the pivot: the stock is committed before the order is approved. */
const commit = retriable({
  id: 'commit',
  action: {
    command: inventoryCommit,
    payload: (ctx: { orderId: string; reservationId: string }) => ({ orderId: ctx.orderId }),
  },
});

export const shopSagaV1 = defineSaga<ShopInput>('shop', 1).step(open).step(reserve).pivot(take).step(approve).build();
export const shopSagaV2 = defineSaga<ShopInput>('shop', 2)
  .step(open)
  .step(reserve)
  .pivot(take)
  .step(commit)
  .step(approve)
  .build();

/** What each command of the shop saga answers when it succeeds. */
export function shopResultOf(commandType: string, input: ShopInput): unknown {
  switch (commandType) {
    case inventoryReserve.type:
      return {
        reservationId: '00000000-0000-4000-8000-000000000001',
        items: input.items.map((item) => ({ ...item, name: 'Kettle', unitPrice: 2500 })),
        total: input.items.reduce((sum, item) => sum + item.quantity * 2500, 0),
        currency: 'USD',
      };
    case paymentCapture.type:
      return { paymentId: '00000000-0000-4000-8000-000000000002', amount: 2500 };
    default:
      return {};
  }
}
