import { randomUUID } from 'node:crypto';
import { maxAmount } from '@saga/contracts';
import {
  describeShortages,
  describeTooLarge,
  describeUnknownProducts,
  mergeOrderItems,
  planReservation,
  type ProductOffer,
} from './reservation-plan';

const grinder: ProductOffer = {
  id: '7b0e3f7c-1b7e-4d55-9a51-0c3f4d3f2a03',
  name: 'Burr Grinder',
  price: 8900,
  available: 3,
};
const mug: ProductOffer = {
  id: '7b0e3f7c-1b7e-4d55-9a51-0c3f4d3f2a02',
  name: 'Stoneware Mug',
  price: 1200,
  available: 200,
};
const catalogue = new Map([grinder, mug].map((p) => [p.id, p]));

describe('mergeOrderItems', () => {
  it('adds up repeated products and sorts the lines by product id', () => {
    expect(
      mergeOrderItems([
        { productId: grinder.id, quantity: 1 },
        { productId: mug.id, quantity: 2 },
        { productId: grinder.id.toUpperCase(), quantity: 2 },
      ]),
    ).toEqual([
      { productId: mug.id, quantity: 2 },
      { productId: grinder.id, quantity: 3 },
    ]);
  });
});

describe('planReservation', () => {
  it('prices every item and totals the order when all are in stock', () => {
    const plan = planReservation(
      [
        { productId: mug.id, quantity: 2 },
        { productId: grinder.id, quantity: 3 },
      ],
      catalogue,
    );
    expect(plan).toEqual({
      kind: 'reservable',
      items: [
        { productId: mug.id, quantity: 2, name: 'Stoneware Mug', unitPrice: 1200 },
        { productId: grinder.id, quantity: 3, name: 'Burr Grinder', unitPrice: 8900 },
      ],
      total: 2 * 1200 + 3 * 8900,
    });
  });

  it('names the products the catalogue does not have', () => {
    const missing = randomUUID();
    expect(
      planReservation(
        [
          { productId: missing, quantity: 1 },
          { productId: mug.id, quantity: 1 },
        ],
        catalogue,
      ),
    ).toEqual({
      kind: 'unknown-products',
      productIds: [missing],
    });
  });

  it('lists every short product with what is left and what was asked', () => {
    const plan = planReservation(
      [
        { productId: mug.id, quantity: 201 },
        { productId: grinder.id, quantity: 5 },
      ],
      catalogue,
    );
    expect(plan).toEqual({
      kind: 'short',
      shortages: [
        { name: 'Stoneware Mug', available: 200, requested: 201 },
        { name: 'Burr Grinder', available: 3, requested: 5 },
      ],
    });
  });

  it('refuses an order whose total passes the most one payment may be, and takes one right at it', () => {
    const yacht: ProductOffer = { id: randomUUID(), name: 'Yacht', price: maxAmount / 4, available: 1000 };
    const offers = new Map([[yacht.id, yacht]]);
    expect(planReservation([{ productId: yacht.id, quantity: 4 }], offers)).toMatchObject({
      kind: 'reservable',
      total: maxAmount,
    });
    expect(planReservation([{ productId: yacht.id, quantity: 1000 }], offers)).toEqual({
      kind: 'too-large',
      total: 250 * maxAmount,
    });
  });
});

describe('shopper messages', () => {
  it('says how many are left of each short product and how many were requested', () => {
    expect(
      describeShortages([
        { name: 'Burr Grinder', available: 3, requested: 5 },
        { name: 'Limited Edition Lamp', available: 0, requested: 1 },
      ]),
    ).toBe('Only 3 of Burr Grinder left; 5 requested. None of Limited Edition Lamp left; 1 requested.');
  });

  it('says what a too large order comes to and what the limit is', () => {
    expect(describeTooLarge(250 * maxAmount + 1)).toBe(
      'This order comes to $250,000,000,000.01, more than the $1,000,000,000.00 one order may be.',
    );
  });

  it('names one or several unknown products', () => {
    expect(describeUnknownProducts(['a'])).toBe('Product a is not in the catalogue.');
    expect(describeUnknownProducts(['a', 'b'])).toBe('Products a, b are not in the catalogue.');
  });
});
