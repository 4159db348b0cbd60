/** A form-encoded Stripe request body, its bracket keys (`metadata[orderId]`) read as nested objects. */
export type StripeParams = { [key: string]: string | StripeParams };

/** Parses `a=1&metadata[orderId]=x&automatic_payment_methods[enabled]=true` the way Stripe reads it. */
export function parseStripeForm(body: string): StripeParams {
  const params: StripeParams = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const path = key.split(/[[\]]+/).filter((part) => part !== '');
    let node = params;
    for (const part of path.slice(0, -1)) {
      const next = node[part];
      node = typeof next === 'object' ? next : (node[part] = {});
    }
    node[path[path.length - 1]] = value;
  }
  return params;
}

/** The params as one canonical string, to tell a replay with the same key from a different request. */
export function canonicalParams(params: StripeParams): string {
  const sorted = (node: StripeParams): unknown =>
    Object.fromEntries(
      Object.keys(node)
        .sort()
        .map((key) => {
          const value = node[key];
          return [key, typeof value === 'string' ? value : sorted(value)];
        }),
    );
  return JSON.stringify(sorted(params));
}
