import { CreatePaymentTables1732200001000 } from './1732200001000-create-payment-tables';

/** The payment schema's migrations, oldest first. */
export const paymentMigrations = [CreatePaymentTables1732200001000];
