import { CreatePaymentTables1732200001000 } from './1732200001000-create-payment-tables';
import { CreatePaymentMethods1732200001100 } from './1732200001100-create-payment-methods';
import { MoneyInBigint1732200001200 } from './1732200001200-money-in-bigint';
import { CardPaymentsThroughAProvider1732200001300 } from './1732200001300-card-payments-through-a-provider';
import { WalletLedger1732200001400 } from './1732200001400-wallet-ledger';
import { PaymentRefunds1732200001500 } from './1732200001500-payment-refunds';

/** The payment schema's migrations, oldest first. */
export const paymentMigrations = [
  CreatePaymentTables1732200001000,
  CreatePaymentMethods1732200001100,
  MoneyInBigint1732200001200,
  CardPaymentsThroughAProvider1732200001300,
  WalletLedger1732200001400,
  PaymentRefunds1732200001500,
];
