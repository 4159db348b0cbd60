import { CatalogueUnavailableError, type ProductCatalogue } from './product-catalogue';

/** Where the inventory worker's catalogue is and how long one question to it may take. */
export interface InventoryCatalogueSettings {
  /** The inventory worker's base URL, e.g. http://127.0.0.1:3001. */
  readonly url: URL;
  readonly timeoutMs: number;
  /** How many products known to exist are remembered, so a busy cart does not ask for each add. */
  readonly remembered?: number;
}

/**
 * The catalogue as the inventory worker serves it, GET /products/:id. Products are never deleted, so
 * a product once found is remembered (up to a bound); a product not found is asked about again next time,
 * since it may have been created since.
 */
export function inventoryCatalogue(settings: InventoryCatalogueSettings): ProductCatalogue {
  const { url, timeoutMs, remembered = 10_000 } = settings;
  const known = new Set<string>();
  return {
    async has(productId) {
      if (known.has(productId)) return true;
      const found = await lookUp(new URL(`products/${encodeURIComponent(productId)}`, withSlash(url)), timeoutMs);
      if (found) {
        if (known.size >= remembered) known.delete(known.values().next().value as string);
        known.add(productId);
      }
      return found;
    },
  };
}

async function lookUp(productUrl: URL, timeoutMs: number): Promise<boolean> {
  let response: Response;
  try {
    response = await fetch(productUrl, {
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept: 'application/json' },
    });
  } catch (error) {
    throw new CatalogueUnavailableError(reasonOf(error));
  }
  await response.body?.cancel();
  if (response.status === 200) return true;
  if (response.status === 404) return false;
  throw new CatalogueUnavailableError(`the inventory worker answered ${response.status}`);
}

// fetch says only "fetch failed"; its cause says why (ECONNREFUSED, a timeout). Read by shape, not
// instanceof: fetch's errors come from Node's own realm, which a test runner's sandbox does not share.
function reasonOf(error: unknown): string {
  const message = messageOf(error);
  const cause = typeof error === 'object' && error !== null && 'cause' in error ? messageOf(error.cause) : undefined;
  return cause === undefined ? message : `${message}: ${cause}`;
}

function messageOf(error: unknown): string {
  return typeof error === 'object' && error !== null && 'message' in error ? String(error.message) : String(error);
}

function withSlash(url: URL): URL {
  return url.pathname.endsWith('/') ? url : new URL(`${url.href}/`);
}
