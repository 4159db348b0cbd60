import { CartItem } from './cart-item.entity';
import { Cart } from './cart.entity';
import { Checkout } from './checkout.entity';

export { addItem, readCart, removeItem, setItemQuantity } from './cart-editing';
export type { CartView } from './cart-editing';
export { CartLockedError, QuantityLimitError } from './cart-errors';
export { CartItem } from './cart-item.entity';
export { CartStatus, CheckoutStatus } from './cart-status';
export { Cart } from './cart.entity';
export { Checkout } from './checkout.entity';

/** The entities of the cart schema. */
export const cartEntities = [Cart, CartItem, Checkout];
