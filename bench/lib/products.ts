// The products the benchmarks order, A001, A002, …: one naming everywhere, so the stock a benchmark seeds is the
// stock its orders ask for.

/** How many products a benchmark's orders spread over unless it says otherwise. */
export const BENCH_PRODUCTS = 20;

/** The product of order `index`: the products in turn. */
export function productAt(index: number, products = BENCH_PRODUCTS): string {
  return `A${String((index % products) + 1).padStart(3, '0')}`;
}

/** A billion of every product: no benchmark order is refused for lack of stock. */
export function ampleStock(products = BENCH_PRODUCTS): Map<string, number> {
  return new Map(Array.from({ length: products }, (_, index) => [productAt(index, products), 1_000_000_000]));
}
