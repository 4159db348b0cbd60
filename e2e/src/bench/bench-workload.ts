import type { PlacedLoad } from '../harness/invariants';
import { inParallel, OrderKind, type PlacedOrder, type PlannedOrder } from '../harness/mixed-load';
import type { SeededRandom } from '../harness/seeded-random';
import { Shop, type Product } from '../harness/shop';
import type { SystemUnderTest } from '../harness/system-under-test';

/** Shares of each outcome in the realistic mix, in percent: most complete, some decline, a few lack stock. */
const mix = { complete: 85, declined: 10, noStock: 5 } as const;

/** Units of each plentiful product: more than any run orders, so only the scarce one runs out. */
const plentifulStock = 1_000_000;

/** How many HTTP calls setting up carts and wallets runs at once. */
const setupParallelism = 8;

interface Line {
  productId: string;
  quantity: number;
}

/**
 * The benchmark's shoppers and shop: 50 products (one of them scarce), a shopper of its own for every
 * order, each ordering the whole of a cart set up beforehand through the cart API (the full 8-step
 * path). 85% complete (half paid from a wallet, half by card), 10% are declined cards, 5% ask for more
 * of the scarce product than there ever was. `hot` orders one product only, and nothing runs out.
 */
export class BenchWorkload implements PlacedLoad {
  readonly planned: PlannedOrder[] = [];
  readonly placed: PlacedOrder[] = [];
  readonly credits = new Map<string, number>();
  readonly products: readonly Product[];
  readonly scarce: Product | undefined;
  readonly initialStock: ReadonlyMap<string, number>;
  private readonly run: string;

  private constructor(
    private readonly sut: SystemUnderTest,
    private readonly random: SeededRandom,
    catalogue: Pick<BenchWorkload, 'products' | 'scarce' | 'initialStock'>,
  ) {
    ({ products: this.products, scarce: this.scarce, initialStock: this.initialStock } = catalogue);
    this.run = `b${random.seed.toString(36)}`;
  }

  /** Creates the catalogue through the inventory admin API. */
  static async create(
    sut: SystemUnderTest,
    options: { hot: boolean; products: number; random: SeededRandom },
  ): Promise<BenchWorkload> {
    const shop = new Shop(sut);
    const count = options.hot ? 1 : Math.max(2, options.products) - 1;
    const products: Product[] = [];
    for (let i = 0; i < count; i++) {
      products.push(await shop.product(`Bench Item ${i + 1}`, 100 * options.random.int(5, 60), plentifulStock));
    }
    const scarce = options.hot ? undefined : await shop.product('Bench Rarity', 25_000, 1);
    const initialStock = new Map<string, number>([
      ...products.map((p): [string, number] => [p.id, plentifulStock]),
      ...(scarce ? [[scarce.id, 1] as [string, number]] : []),
    ]);
    return new BenchWorkload(sut, options.random, { products, scarce, initialStock });
  }

  /**
   * Plans `count` more orders and sets up what each needs (its cart, its wallet) through the apps'
   * APIs, so the measured part only places orders.
   */
  async prepare(count: number): Promise<PlannedOrder[]> {
    const { random } = this;
    const shop = new Shop(this.sut);
    const priceOf = new Map([...this.products, ...(this.scarce ? [this.scarce] : [])].map((p) => [p.id, p.price]));
    const lines = (): Line[] =>
      random
        .shuffle(this.products)
        .slice(0, random.int(1, Math.min(3, this.products.length)))
        .map((p) => ({ productId: p.id, quantity: random.int(1, 3) }));
    const batch: PlannedOrder[] = [];
    for (let i = 0; i < count; i++) {
      const index = this.planned.length;
      const roll = random.next() * 100;
      const kind =
        roll < mix.noStock && this.scarce
          ? OrderKind.NoStock
          : roll < mix.noStock + mix.declined
            ? OrderKind.Declined
            : OrderKind.Cart;
      const userId = `${this.run}-${index}`;
      const items =
        kind === OrderKind.NoStock ? [{ productId: this.scarce!.id, quantity: 2 }, ...lines().slice(0, 1)] : lines();
      // Stock is the only thing that may fail a no-stock order, so it pays from a wallet holding enough.
      const paysWith =
        kind === OrderKind.Cart
          ? random.pick(['wallet', 'card'] as const)
          : kind === OrderKind.NoStock
            ? 'wallet'
            : 'card';
      const token = kind === OrderKind.Declined ? 'pm_card_chargeDeclined' : 'pm_card_visa';
      const payment = paysWith === 'wallet' ? { method: 'wallet' } : { method: 'card', token };
      if (paysWith === 'wallet') {
        this.credits.set(
          userId,
          items.reduce((sum, l) => sum + l.quantity * priceOf.get(l.productId)!, 0),
        );
      }
      const order: PlannedOrder = {
        index,
        kind,
        userId,
        idempotencyKey: `${this.run}-order-${index}`,
        body: { fromCart: true, payment },
        cart: items,
        paysWith,
        expected:
          kind === OrderKind.NoStock ? 'out_of_stock' : kind === OrderKind.Declined ? 'card_declined' : 'COMPLETED',
      };
      this.planned.push(order);
      batch.push(order);
    }
    await inParallel(
      setupParallelism,
      batch.flatMap((o) => [
        ...(this.credits.has(o.userId) ? [() => shop.wallet(o.userId, this.credits.get(o.userId)!)] : []),
        ...o.cart.map((l) => () => shop.addToCart(o.userId, l.productId, l.quantity)),
      ]),
    );
    return batch;
  }

  /** POSTs one planned order; resolves with the order id once the API accepted it (202). */
  async place(order: PlannedOrder): Promise<PlacedOrder> {
    const response = await fetch(`${this.sut.system.url('order-api')}/me/orders`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': order.idempotencyKey,
        ...this.sut.authorization(order.userId),
      },
      body: JSON.stringify(order.body),
    });
    const text = await response.text();
    if (response.status !== 202) throw new Error(`order #${order.index} refused: ${response.status} ${text}`);
    const placed = { ...order, orderId: (JSON.parse(text) as { orderId: string }).orderId, attempts: 1 };
    this.placed.push(placed);
    return placed;
  }
}
