import { CreateCartTables1732200000300 } from './1732200000300-create-cart-tables';

export { CreateCartTables1732200000300 } from './1732200000300-create-cart-tables';

/** The cart schema's migrations, oldest first. */
export const cartMigrations = [CreateCartTables1732200000300];
