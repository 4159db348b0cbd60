/** What the cart asks the shop's catalogue before it takes a product in. */
export interface ProductCatalogue {
  /** Whether the catalogue sells this product; throws CatalogueUnavailableError when it cannot tell. */
  has(productId: string): Promise<boolean>;
}

/** Thrown when the catalogue cannot be asked right now: the caller may retry shortly. */
export class CatalogueUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(`the product catalogue cannot be asked right now: ${reason}`);
    this.name = 'CatalogueUnavailableError';
  }
}
