import { Product } from './product.entity';
import { ReservationItem } from './reservation-item.entity';
import { Reservation } from './reservation.entity';
import { StockLedgerEntry } from './stock-ledger-entry.entity';

/** The inventory schema's entities. */
export const inventoryEntities = [Product, Reservation, ReservationItem, StockLedgerEntry];
