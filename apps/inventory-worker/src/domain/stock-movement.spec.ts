import { StockMovementKind, unitDeltaOf } from './stock-movement';

describe('unitDeltaOf', () => {
  it('keeps available + reserved + sold constant for every movement but a restock', () => {
    const totals = Object.values(StockMovementKind).map((kind) => {
      const { available, reserved, sold } = unitDeltaOf(kind);
      return [kind, available + reserved + sold];
    });
    expect(Object.fromEntries(totals)).toEqual({ reserve: 0, release: 0, commit: 0, restock: 1, return: 0 });
  });

  it('moves a reserved unit to sold on commit and back to available on release', () => {
    expect(unitDeltaOf(StockMovementKind.Commit)).toEqual({ available: 0, reserved: -1, sold: 1 });
    expect(unitDeltaOf(StockMovementKind.Release)).toEqual({ available: 1, reserved: -1, sold: 0 });
  });
});
