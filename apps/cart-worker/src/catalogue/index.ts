export { inventoryCatalogue, type InventoryCatalogueSettings } from './inventory-catalogue';
export { CatalogueUnavailableError, type ProductCatalogue } from './product-catalogue';
