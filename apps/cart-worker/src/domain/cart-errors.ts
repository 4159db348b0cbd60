/** Thrown when a shopper edits a cart that an order in flight has locked. */
export class CartLockedError extends Error {
  constructor(
    readonly userId: string,
    readonly orderId: string,
  ) {
    super(`cart is locked by order ${orderId} until it completes or fails`);
    this.name = 'CartLockedError';
  }
}

/** Thrown when an edit would put more of one product in a cart than a cart may hold. */
export class QuantityLimitError extends Error {
  constructor(
    readonly productId: string,
    readonly requested: number,
    readonly limit: number,
  ) {
    super(`a cart holds at most ${limit} of product ${productId}; this change would make it ${requested}`);
    this.name = 'QuantityLimitError';
  }
}
