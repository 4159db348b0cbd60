import { OrderItem } from '@saga/contracts';
import { callerOf, HttpProblem, type HttpApp, type ServiceContext } from '@saga/runtime';
import { z } from 'zod';
import { CatalogueUnavailableError, type ProductCatalogue } from '../catalogue';
import {
  addItem,
  CartLockedError,
  CartStatus,
  QuantityLimitError,
  readCart,
  removeItem,
  setItemQuantity,
  type CartView,
} from '../domain';

const ItemParams = z.object({ productId: z.uuid() });
const shopper = { access: 'signed-in' } as const;
const AddItemBody = OrderItem;
const SetQuantityBody = OrderItem.pick({ quantity: true });

const CartResponse = z.object({
  userId: z.string(),
  status: z.enum([CartStatus.Open, CartStatus.Locked]),
  lockedByOrder: z.uuid().nullable(),
  items: z.array(OrderItem),
});

/** What the cart routes work with: the cart's database and the catalogue a product must be in. */
export interface CartRoutesContext extends Pick<ServiceContext, 'dataSource'> {
  readonly catalogue: ProductCatalogue;
}

/**
 * The shopper's own cart over HTTP, under /me (the token's subject is the shopper): read it, add, set
 * and remove items while no order has it locked. Only products the catalogue sells go in.
 */
export function registerCartRoutes(app: HttpApp, { dataSource, catalogue }: CartRoutesContext): void {
  // One snapshot for the cart row and its items, so a clear committing in between cannot mix them.
  app.get('/me/cart', { config: shopper, schema: { response: { 200: CartResponse } } }, (request) =>
    dataSource.transaction('REPEATABLE READ', (manager) => readCart(manager, callerOf(request).userId)),
  );

  app.post(
    '/me/cart/items',
    { config: shopper, schema: { body: AddItemBody, response: { 200: CartResponse } } },
    async (request) => {
      await mustSell(catalogue, request.body.productId);
      return editing(() =>
        dataSource.transaction((manager) => addItem(manager, callerOf(request).userId, request.body)),
      );
    },
  );

  app.put(
    '/me/cart/items/:productId',
    { config: shopper, schema: { params: ItemParams, body: SetQuantityBody, response: { 200: CartResponse } } },
    async (request) => {
      const { userId } = callerOf(request);
      const { productId } = request.params;
      await mustSell(catalogue, productId);
      return editing(() =>
        dataSource.transaction((manager) =>
          setItemQuantity(manager, userId, { productId, quantity: request.body.quantity }),
        ),
      );
    },
  );

  app.delete(
    '/me/cart/items/:productId',
    { config: shopper, schema: { params: ItemParams, response: { 200: CartResponse } } },
    (request) => {
      const { userId } = callerOf(request);
      const { productId } = request.params;
      return editing(() => dataSource.transaction((manager) => removeItem(manager, userId, productId)));
    },
  );
}

// Asked before the cart's row is locked, so a slow catalogue never holds a checkout up.
async function mustSell(catalogue: ProductCatalogue, productId: string): Promise<void> {
  let sold: boolean;
  try {
    sold = await catalogue.has(productId);
  } catch (error) {
    if (!(error instanceof CatalogueUnavailableError)) throw error;
    throw HttpProblem.of(503, `${error.message}; retry shortly`).withHeaders({ 'retry-after': '2' });
  }
  if (!sold) throw HttpProblem.unprocessable(`the catalogue has no product ${productId}`, { productId });
}

async function editing(edit: () => Promise<CartView>): Promise<CartView> {
  try {
    return await edit();
  } catch (error) {
    if (error instanceof CartLockedError) throw HttpProblem.conflict(error.message, { lockedByOrder: error.orderId });
    if (error instanceof QuantityLimitError) {
      throw HttpProblem.unprocessable(error.message, { productId: error.productId, limit: error.limit });
    }
    throw error;
  }
}
