/** A product of the demo catalogue; prices in cents. */
export interface DemoProduct {
  readonly id: string;
  readonly sku: string;
  readonly name: string;
  readonly price: number;
  readonly stock: number;
}

/** The demo catalogue the seed command loads into inventory; carts below refer to these ids. */
export const demoProducts: readonly DemoProduct[] = [
  { id: '7b0e3f7c-1b7e-4d55-9a51-0c3f4d3f2a01', sku: 'KETTLE-1', name: 'Copper Kettle', price: 4900, stock: 25 },
  { id: '7b0e3f7c-1b7e-4d55-9a51-0c3f4d3f2a02', sku: 'MUG-2', name: 'Stoneware Mug', price: 1200, stock: 200 },
  { id: '7b0e3f7c-1b7e-4d55-9a51-0c3f4d3f2a03', sku: 'GRINDER-3', name: 'Burr Grinder', price: 8900, stock: 10 },
  {
    id: '7b0e3f7c-1b7e-4d55-9a51-0c3f4d3f2a04',
    sku: 'BEANS-4',
    name: 'Single-Origin Beans 1kg',
    price: 3200,
    stock: 50,
  },
  { id: '7b0e3f7c-1b7e-4d55-9a51-0c3f4d3f2a05', sku: 'LAMP-5', name: 'Limited Edition Lamp', price: 15000, stock: 1 },
];

/** Demo shoppers' wallets, in cents. */
export const demoWallets: readonly { readonly userId: string; readonly balance: number }[] = [
  { userId: 'alice', balance: 50_000 },
  { userId: 'bob', balance: 2_000 },
  { userId: 'carol', balance: 100_000 },
];

/** Demo carts, filled with catalogue items. */
export const demoCarts: readonly {
  readonly userId: string;
  readonly items: readonly { readonly productId: string; readonly quantity: number }[];
}[] = [
  {
    userId: 'alice',
    items: [
      { productId: demoProducts[0].id, quantity: 1 },
      { productId: demoProducts[1].id, quantity: 2 },
    ],
  },
  { userId: 'carol', items: [{ productId: demoProducts[2].id, quantity: 1 }] },
];
