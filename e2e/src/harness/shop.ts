import { randomUUID } from 'node:crypto';
import { shopAdmin, type SystemUnderTest } from './system-under-test';

/** A user id no other spec or run shares: `ada-1f3c9e2a`. */
export const user = (name: string): string => `${name}-${randomUUID().slice(0, 8)}`;

/** A product created through the inventory admin API. */
export interface Product {
  id: string;
  name: string;
  price: number;
}

/** The shop's data set up the way an operator and a shopper would: through the HTTP APIs. */
export class Shop {
  constructor(private readonly sut: SystemUnderTest) {}

  async product(name: string, price: number, stock: number): Promise<Product> {
    const sku = `${name.toUpperCase().replace(/\W+/g, '-')}-${randomUUID().slice(0, 8)}`;
    const { status, body } = await this.sut.http<Product>('inventory-worker', 'POST', '/admin/products', {
      as: shopAdmin,
      body: {
        sku,
        name,
        price,
        stock,
      },
    });
    if (status !== 201) throw new Error(`could not create product ${name}: ${status} ${JSON.stringify(body)}`);
    return body;
  }

  async wallet(userId: string, amount: number): Promise<void> {
    const { status, body } = await this.sut.http('payment-worker', 'POST', `/admin/wallets/${userId}/credit`, {
      as: shopAdmin,
      body: {
        amount,
      },
    });
    if (status >= 300) throw new Error(`could not credit ${userId}: ${status} ${JSON.stringify(body)}`);
  }

  async addToCart(userId: string, productId: string, quantity: number): Promise<void> {
    const { status, body } = await this.sut.http('cart-worker', 'POST', '/me/cart/items', {
      as: userId,
      body: {
        productId,
        quantity,
      },
    });
    if (status >= 300) throw new Error(`could not add to ${userId}'s cart: ${status} ${JSON.stringify(body)}`);
  }

  /** Places an order as the shopper `userId` and returns its id (the API answers 202 at once). */
  async order(
    { userId, ...body }: { userId: string } & Record<string, unknown>,
    headers: Record<string, string> = {},
  ): Promise<string> {
    const response = await this.sut.http<{ orderId: string }>('order-api', 'POST', '/me/orders', {
      as: userId,
      body,
      headers,
    });
    if (response.status !== 202) throw new Error(`order refused: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body.orderId;
  }

  async stock(productId: string): Promise<{ available: number; reserved: number; sold: number }> {
    const [row] = await this.sut.rows<{ available: number; reserved: number; sold: number }>(
      'SELECT available, reserved, sold FROM inventory.products WHERE id = $1',
      [productId],
    );
    return row;
  }

  async walletOf(userId: string): Promise<{ balance: number; held: number }> {
    const [row] = await this.sut.rows<{ balance: number; held: number }>(
      'SELECT balance, held FROM payment.wallets WHERE user_id = $1',
      [userId],
    );
    return row;
  }

  async paymentsOf(orderId: string): Promise<{ status: string; amount: number; provider: string }[]> {
    return this.sut.rows('SELECT status, amount, provider FROM payment.payments WHERE order_id = $1', [orderId]);
  }

  async reservationsOf(orderId: string): Promise<{ status: string }[]> {
    return this.sut.rows('SELECT status FROM inventory.reservations WHERE order_id = $1', [orderId]);
  }

  async cart(userId: string): Promise<{ status: string; items: { productId: string; quantity: number }[] }> {
    const { body } = await this.sut.http<{ status: string; items: { productId: string; quantity: number }[] }>(
      'cart-worker',
      'GET',
      '/me/cart',
      { as: userId },
    );
    return body;
  }
}
