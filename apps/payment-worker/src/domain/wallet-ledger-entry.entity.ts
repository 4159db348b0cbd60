import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { minorUnits } from '@saga/persistence';

/** How money moves in a wallet; each kind changes the balance, the held amount, or both. */
export const WalletMovementKind = {
  /** Money an administrator adds (an opening balance, a goodwill credit): balance up. */
  Credit: 'credit',
  /** Money the shopper paid in by card: balance up. */
  TopUp: 'top-up',
  /** An authorized payment holds the amount: held up. */
  Hold: 'hold',
  /** A voided payment lets the hold go: held down. */
  Release: 'release',
  /** A captured payment takes the held amount: balance and held down. */
  Capture: 'capture',
  /** A refund gives captured money back: balance up. */
  Refund: 'refund',
} as const;
export type WalletMovementKind = (typeof WalletMovementKind)[keyof typeof WalletMovementKind];

/** What each kind of movement does to the balance and to the held amount, per unit moved. */
export const movementEffect: Readonly<Record<WalletMovementKind, { readonly balance: number; readonly held: number }>> =
  {
    credit: { balance: 1, held: 0 },
    'top-up': { balance: 1, held: 0 },
    hold: { balance: 0, held: 1 },
    release: { balance: 0, held: -1 },
    capture: { balance: -1, held: -1 },
    refund: { balance: 1, held: 0 },
  };

/** One append-only movement of a wallet's money, with the balance and hold it left. */
@Entity({ name: 'wallet_ledger' })
export class WalletLedgerEntry {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'user_id', type: 'text' })
  userId: string;

  @Column({ type: 'text' })
  kind: WalletMovementKind;

  @Column({ type: 'bigint', transformer: minorUnits })
  amount: number;

  @Column({ name: 'payment_id', type: 'uuid', nullable: true })
  paymentId: string | null;

  @Column({ name: 'top_up_id', type: 'uuid', nullable: true })
  topUpId: string | null;

  @Column({ name: 'balance_after', type: 'bigint', transformer: minorUnits })
  balanceAfter: number;

  @Column({ name: 'held_after', type: 'bigint', transformer: minorUnits })
  heldAfter: number;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  at: Date;
}
