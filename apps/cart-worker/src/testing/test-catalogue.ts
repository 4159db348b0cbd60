import { CatalogueUnavailableError, type ProductCatalogue } from '../catalogue';

/** A catalogue the test says what it sells, and whether it answers at all. */
export class TestCatalogue implements ProductCatalogue {
  private readonly products = new Set<string>();
  private unavailable = false;

  /** Puts the products in the catalogue; returns the first, for `const kettle = catalogue.sell(randomUUID())`. */
  sell(...productIds: string[]): string {
    for (const id of productIds) this.products.add(id);
    return productIds[0];
  }

  /** Makes every question fail as an unreachable inventory worker would, until set back. */
  setUnavailable(unavailable: boolean): void {
    this.unavailable = unavailable;
  }

  async has(productId: string): Promise<boolean> {
    if (this.unavailable) throw new CatalogueUnavailableError('connect ECONNREFUSED (the test made it so)');
    return this.products.has(productId);
  }
}
