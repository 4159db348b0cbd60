import { FailureCode, type inventoryCommit } from '@saga/contracts';
import { fail, succeed, type CommandHandler } from '@saga/participant';
import { ReservationStatus } from '../domain/reservation.entity';
import { lockReservation, settleReservation } from '../domain/reservations';

/** This step turns the order's reserved stock into sold stock, once, however often it is asked. */
export const commitStock: CommandHandler<typeof inventoryCommit> = async ({ orderId }, { manager, logger }) => {
  const reservation = await lockReservation(manager, orderId);
  if (!reservation) return fail(FailureCode.InvalidState, `Order ${orderId} has no stock reserved to sell.`);
  switch (reservation.status) {
    case ReservationStatus.Committed:
      return succeed({});
    case ReservationStatus.Released:
      return fail(FailureCode.InvalidState, `The stock of order ${orderId} was released; it cannot be sold.`);
    case ReservationStatus.Active: {
      await settleReservation(manager, reservation, ReservationStatus.Committed);
      logger.debug('stock committed', { orderId, reservationId: reservation.id });
      return succeed({});
    }
    default: {
      const unknown: never = reservation.status;
      throw new Error(`reservation ${reservation.id} has unknown status ${String(unknown)}`);
    }
  }
};
