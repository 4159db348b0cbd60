import { demoCarts, demoProducts } from './index';

describe('demo data', () => {
  it('fills carts only with products of the catalogue', () => {
    const ids = new Set(demoProducts.map((p) => p.id));
    for (const cart of demoCarts) for (const item of cart.items) expect(ids.has(item.productId)).toBe(true);
  });
});
