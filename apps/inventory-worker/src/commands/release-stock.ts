import { FailureCode, type inventoryRelease } from '@saga/contracts';
import { fail, succeed, type CommandHandler } from '@saga/participant';
import { ReservationStatus } from '../domain/reservation.entity';
import { claimReservation, settleReservation } from '../domain/reservations';

/**
 * This compensation returns the order's reserved stock to available. When the order never reserved
 * anything it leaves a tombstone, so a reserve arriving late for the order is refused, not applied.
 */
export const releaseStock: CommandHandler<typeof inventoryRelease> = async ({ orderId }, { manager, logger }) => {
  const { created, reservation } = await claimReservation(manager, orderId, ReservationStatus.Released);
  if (created) {
    logger.info('nothing reserved for the order; tombstone recorded', { orderId });
    return succeed({});
  }
  switch (reservation.status) {
    case ReservationStatus.Released:
      return succeed({});
    case ReservationStatus.Committed:
      return fail(
        FailureCode.InvalidState,
        `The stock of order ${orderId} has already been sold; it cannot be released.`,
      );
    case ReservationStatus.Active: {
      await settleReservation(manager, reservation, ReservationStatus.Released);
      logger.debug('stock released', { orderId, reservationId: reservation.id });
      return succeed({});
    }
    default: {
      const unknown: never = reservation.status;
      throw new Error(`reservation ${reservation.id} has unknown status ${String(unknown)}`);
    }
  }
};
