import type { SeededRandom } from './seeded-random';
import { Shop, type Product } from './shop';
import type { SystemUnderTest } from './system-under-test';

/** The kinds of order the load mixes, each with an outcome fixed in advance. */
export const OrderKind = {
  /** Explicit items paid from a wallet that holds enough: completes. */
  Wallet: 'wallet',
  /** Explicit items paid by a card that authorizes: completes. */
  Card: 'card',
  /** Everything in the shopper's cart, paid by wallet or card: completes and empties the cart. */
  Cart: 'cart',
  /** More of the scarce product than was ever in stock: fails `out_of_stock`, nothing held. */
  NoStock: 'no-stock',
  /** Stripe's declining test card: fails `card_declined` after the stock was reserved, then released. */
  Declined: 'declined',
} as const;
export type OrderKind = (typeof OrderKind)[keyof typeof OrderKind];

/** What must come of an order: COMPLETED, or FAILED with this failure code. */
export type ExpectedOutcome = 'COMPLETED' | 'out_of_stock' | 'card_declined';

const expectedOutcome: Record<OrderKind, ExpectedOutcome> = {
  wallet: 'COMPLETED',
  card: 'COMPLETED',
  cart: 'COMPLETED',
  'no-stock': 'out_of_stock',
  declined: 'card_declined',
};

/** Shares of each kind in the load, in percent. */
const mix: Record<OrderKind, number> = { wallet: 30, card: 20, cart: 20, 'no-stock': 15, declined: 15 };

interface Line {
  productId: string;
  quantity: number;
}

/** One order as the load will place it: a shopper of its own, so outcomes never interfere. */
export interface PlannedOrder {
  readonly index: number;
  readonly kind: OrderKind;
  readonly userId: string;
  readonly idempotencyKey: string;
  /** The POST /me/orders body (the shopper is the token's subject). */
  readonly body: Record<string, unknown>;
  /** What the shopper's cart holds before the order (orders from the cart only). */
  readonly cart: readonly Line[];
  readonly paysWith: 'wallet' | 'card';
  readonly expected: ExpectedOutcome;
}

/** A planned order the API accepted, with the id it answered and how many POSTs that took. */
export interface PlacedOrder extends PlannedOrder {
  readonly orderId: string;
  readonly attempts: number;
}

/** How long the load keeps retrying one POST through an outage before it gives up on the run. */
const placeDeadlineMs = 90_000;

/**
 * A mixed set of orders (wallet and card successes, some from the cart, orders for more than the
 * stock, declined cards), set up through the apps' own APIs and placed with an Idempotency-Key: a POST
 * that fails while order-api or its database is down is retried with backoff, and a retry of one that
 * did go through gets the same order back.
 */
export class MixedLoad {
  readonly placed: PlacedOrder[] = [];
  private postRetries = 0;

  /** The products orders can get, and the scarce one no order can ever get enough of. */
  readonly products: readonly Product[];
  readonly scarce: Product;
  /** Each product's stock before the first order. */
  readonly initialStock: ReadonlyMap<string, number>;
  /** What each wallet was credited before the first order. */
  readonly credits: ReadonlyMap<string, number>;
  readonly planned: readonly PlannedOrder[];

  private constructor(
    private readonly sut: SystemUnderTest,
    setup: Pick<MixedLoad, 'products' | 'scarce' | 'initialStock' | 'credits' | 'planned'>,
  ) {
    ({
      products: this.products,
      scarce: this.scarce,
      initialStock: this.initialStock,
      credits: this.credits,
      planned: this.planned,
    } = setup);
  }

  /** Creates the products, wallets and carts for `orders` orders, chosen by `random`. */
  static async prepare(sut: SystemUnderTest, options: { orders: number; random: SeededRandom }): Promise<MixedLoad> {
    const { orders, random } = options;
    const shop = new Shop(sut);
    const run = `r${random.seed.toString(36)}`;
    const products = [
      await shop.product('Chaos Kettle', 2500, 1000),
      await shop.product('Chaos Mug', 1200, 1000),
      await shop.product('Chaos Beans', 900, 1000),
      await shop.product('Chaos Grinder', 4900, 1000),
    ];
    const scarce = await shop.product('Chaos Lamp', 15_000, 3);
    const priceOf = new Map([...products, scarce].map((p) => [p.id, p.price]));

    const lines = (): Line[] =>
      random
        .shuffle(products)
        .slice(0, random.int(1, 2))
        .map((p) => ({ productId: p.id, quantity: random.int(1, 3) }));
    const totalOf = (items: readonly Line[]) =>
      items.reduce((sum, l) => sum + l.quantity * priceOf.get(l.productId)!, 0);

    const kinds = random.shuffle(
      (Object.keys(mix) as OrderKind[]).flatMap((kind) =>
        Array.from({ length: Math.round((orders * mix[kind]) / 100) }, () => kind),
      ),
    );
    while (kinds.length < orders) kinds.push(OrderKind.Wallet);
    kinds.length = orders;

    const credits = new Map<string, number>();
    const planned = kinds.map((kind, index): PlannedOrder => {
      const userId = `${run}-${kind}-${index}`;
      let items: Line[];
      let fromCart: boolean;
      let paysWith: 'wallet' | 'card';
      let token = 'pm_card_visa';
      switch (kind) {
        case OrderKind.Wallet:
          [items, fromCart, paysWith] = [lines(), false, 'wallet'];
          break;
        case OrderKind.Card:
          [items, fromCart, paysWith] = [lines(), false, 'card'];
          token = random.pick(['pm_card_visa', 'pm_card_mastercard']);
          break;
        case OrderKind.Cart:
          [items, fromCart, paysWith] = [lines(), true, random.pick(['wallet', 'card'] as const)];
          break;
        case OrderKind.NoStock:
          // All or nothing: the plentiful line must not be reserved either.
          items = [{ productId: scarce.id, quantity: random.int(4, 6) }, ...lines().slice(0, random.int(0, 1))];
          [fromCart, paysWith] = [random.next() < 0.5, 'wallet'];
          break;
        case OrderKind.Declined:
          [items, fromCart, paysWith] = [lines(), random.next() < 0.5, 'card'];
          token = random.pick(['pm_card_chargeDeclined', 'pm_card_visa_chargeDeclined']);
          break;
      }
      if (paysWith === 'wallet') credits.set(userId, totalOf(items) + random.int(0, 50) * 100);
      const payment = paysWith === 'wallet' ? { method: 'wallet' } : { method: 'card', token };
      return {
        index,
        kind,
        userId,
        idempotencyKey: `${run}-order-${index}`,
        body: fromCart ? { fromCart: true, payment } : { items, payment },
        cart: fromCart ? items : [],
        paysWith,
        expected: expectedOutcome[kind],
      };
    });

    const setups = [
      ...[...credits].map(
        ([userId, amount]) =>
          () =>
            shop.wallet(userId, amount),
      ),
      ...planned.flatMap((o) => o.cart.map((l) => () => shop.addToCart(o.userId, l.productId, l.quantity))),
    ];
    await inParallel(8, setups);

    const initialStock = new Map([...products, scarce].map((p) => [p.id, p.id === scarce.id ? 3 : 1000]));
    return new MixedLoad(sut, { products, scarce, initialStock, credits, planned });
  }

  /** POSTs beyond the first, over every order: how often the load had to retry through a fault. */
  get retries(): number {
    return this.postRetries;
  }

  /**
   * Places the planned orders at a steady pace, spread over `overMs` whatever the API's latency, in
   * bursts of `burst` orders sent at once (so many sagas are in flight when a fault strikes); faults
   * injected meanwhile hit orders in every stage. Resolves once the API accepted them all.
   */
  async place({ overMs, burst = 1 }: { overMs: number; burst?: number }): Promise<PlacedOrder[]> {
    const started = Date.now();
    const spacingMs = overMs / this.planned.length;
    await inParallel(
      this.planned.length,
      this.planned.map((order) => async () => {
        await sleep(started + (order.index - (order.index % burst)) * spacingMs - Date.now());
        this.placed.push(await this.placeOne(order));
      }),
    );
    return this.placed;
  }

  /** Resolves once at least `count` orders were accepted: a fault injected then hits orders in flight. */
  async untilPlaced(count: number): Promise<void> {
    while (this.placed.length < count) await sleep(50);
  }

  private async placeOne(order: PlannedOrder): Promise<PlacedOrder> {
    const deadline = Date.now() + placeDeadlineMs;
    let delayMs = 100;
    let lastError = '';
    for (let attempts = 1; ; attempts++) {
      try {
        const response = await fetch(`${this.sut.system.url('order-api')}/me/orders`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'idempotency-key': order.idempotencyKey,
            ...this.sut.authorization(order.userId),
          },
          body: JSON.stringify(order.body),
          signal: AbortSignal.timeout(10_000),
        });
        const text = await response.text();
        if (response.status === 202) {
          this.postRetries += attempts - 1;
          return { ...order, orderId: (JSON.parse(text) as { orderId: string }).orderId, attempts };
        }
        lastError = `${response.status} ${text}`;
        // A 4xx is the test's mistake or a real bug (422: the key was taken by another body); no retry helps.
        if (response.status < 500) throw new OrderRefused(order, lastError);
      } catch (error) {
        if (error instanceof OrderRefused) throw error;
        // order-api down or restarting (connection refused or reset), or the request timed out.
        lastError = error instanceof Error ? `${error.message}${causeOf(error)}` : String(error);
      }
      if (Date.now() >= deadline) {
        throw new Error(`order #${order.index} (${order.kind}) not placed after ${attempts} attempts: ${lastError}`);
      }
      await sleep(delayMs);
      delayMs = Math.min(delayMs * 2, 2000);
    }
  }
}

/** Thrown when the API refuses an order with a 4xx, which no retry can change. */
class OrderRefused extends Error {
  constructor(order: PlannedOrder, detail: string) {
    super(`order #${order.index} (${order.kind}) refused: ${detail}`);
    this.name = 'OrderRefused';
  }
}

function causeOf(error: Error): string {
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? ` (${cause.message})` : '';
}

/** Runs the tasks, at most `limit` at a time; rejects with the first failure once all have settled. */
export async function inParallel(limit: number, tasks: readonly (() => Promise<unknown>)[]): Promise<void> {
  let next = 0;
  const failures: unknown[] = [];
  const worker = async () => {
    while (next < tasks.length) {
      const task = tasks[next++];
      await task().catch((error: unknown) => failures.push(error));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  if (failures.length > 0) throw failures[0];
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
