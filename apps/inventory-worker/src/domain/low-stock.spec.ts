import { randomUUID } from 'node:crypto';
import { lowStockCrossings, lowStockThresholdOf, type LowStockProduct } from './low-stock';

describe('low stock', () => {
  const settings = { defaultThreshold: 5 };
  const product = (available: number, lowStockThreshold: number | null = null): LowStockProduct => ({
    id: randomUUID(),
    name: 'Burr Grinder',
    available,
    lowStockThreshold,
  });
  const crossingsOf = (taken: readonly [LowStockProduct, number][]) =>
    lowStockCrossings(
      new Map(taken.map(([p]) => [p.id, p])),
      taken.map(([p, quantity]) => ({ productId: p.id, quantity })),
      settings,
    );

  it('uses a product’s own threshold, and the default for a product without one', () => {
    expect(lowStockThresholdOf({ lowStockThreshold: 12 }, settings)).toBe(12);
    expect(lowStockThresholdOf({ lowStockThreshold: null }, settings)).toBe(5);
  });

  it('tells of a product taken from its threshold or above to below it, with what is left', () => {
    const atThreshold = product(5);
    const above = product(9);

    expect(crossingsOf([[atThreshold, 1]])).toEqual([
      { productId: atThreshold.id, name: 'Burr Grinder', available: 4, threshold: 5 },
    ]);
    expect(crossingsOf([[above, 9]])).toEqual([
      { productId: above.id, name: 'Burr Grinder', available: 0, threshold: 5 },
    ]);
  });

  it('tells nothing of a product left at its threshold, or one that was below it already', () => {
    expect(crossingsOf([[product(9), 4]])).toEqual([]);
    expect(crossingsOf([[product(4), 1]])).toEqual([]);
  });

  it('tells of each product that crossed, by its own threshold', () => {
    const ownHigh = product(30, 20);
    const ownLow = product(10, 1);
    const byDefault = product(6);

    const crossings = crossingsOf([
      [ownHigh, 11],
      [ownLow, 6],
      [byDefault, 2],
    ]);

    expect(crossings).toEqual([
      { productId: ownHigh.id, name: 'Burr Grinder', available: 19, threshold: 20 },
      { productId: byDefault.id, name: 'Burr Grinder', available: 4, threshold: 5 },
    ]);
  });

  it('refuses stock taken from a product it was not given', () => {
    expect(() => lowStockCrossings(new Map(), [{ productId: randomUUID(), quantity: 1 }], settings)).toThrow(
      /was not given/,
    );
  });
});
