import { Column, Entity, PrimaryColumn } from 'typeorm';
import { minorUnits } from '@saga/persistence';

/** A shopper's wallet: its balance in cents, of which `held` is promised to authorized payments. */
@Entity({ name: 'wallets' })
export class Wallet {
  @PrimaryColumn({ name: 'user_id', type: 'text' })
  userId: string;

  @Column({ type: 'bigint', transformer: minorUnits })
  balance: number;

  @Column({ type: 'bigint', transformer: minorUnits })
  held: number;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}

/** What the shopper can still spend: the balance not held for an authorized payment. */
export function availableFunds(wallet: Pick<Wallet, 'balance' | 'held'>): number {
  return wallet.balance - wallet.held;
}
