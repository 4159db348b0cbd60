/** Cents as a shopper reads them, e.g. 1200 USD -> "$12.00". */
export function formatMoney(cents: number, currency: string): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(cents / 100);
}
