import { ProductId, Quantity } from '@orderflow/contracts';
import { type HttpApp, requestTraceparent, requireAdminToken } from '@orderflow/platform';
import Type from 'typebox';
import type { StockAdmin } from './stock-admin.ts';
import { StockErrors } from './stock-errors.ts';
import { MAX_STOCK_LEVEL } from './stock-seed.ts';
import type { StockStore } from './stock-store.ts';

export interface StockRoutesOptions {
  readonly store: StockStore;
  readonly admin: StockAdmin;
  readonly adminToken: string | undefined;
}

const ProductParams = Type.Object({ productId: ProductId });
const ProductStock = Type.Object({ productId: ProductId, available: Type.Integer({ minimum: 0 }) });
const SetStockBody = Type.Object(
  { available: Type.Integer({ minimum: 0, maximum: MAX_STOCK_LEVEL, description: 'New level in units' }) },
  { additionalProperties: false },
);
const RestockBody = Type.Object({ quantity: Quantity }, { additionalProperties: false });

export function registerStockRoutes(app: HttpApp, options: StockRoutesOptions): void {
  const { store, admin } = options;
  // onRequest, not preHandler: an unauthorised caller learns nothing, not even whether its body would validate.
  const adminOnly = requireAdminToken(options.adminToken, 'stock-admin');

  app.get(
    '/stock',
    { schema: { response: { 200: Type.Object({ products: Type.Array(ProductStock) }) } } },
    async () => ({ products: await store.list() }),
  );

  app.get(
    '/stock/:productId',
    { schema: { params: ProductParams, response: { 200: ProductStock } } },
    async (request) => {
      const { productId } = request.params;
      const available = await store.get(productId);
      if (available === undefined) throw StockErrors.create('PRODUCT_NOT_FOUND', `product ${productId} does not exist`);
      return { productId, available };
    },
  );

  app.put(
    '/stock/:productId',
    {
      onRequest: adminOnly,
      schema: { params: ProductParams, body: SetStockBody, response: { 200: ProductStock, 201: ProductStock } },
    },
    async (request, reply) => {
      const { productId } = request.params;
      const change = await admin.set(productId, request.body.available, requestTraceparent(request));
      return reply.code(change.created ? 201 : 200).send({ productId, available: change.available });
    },
  );

  app.post(
    '/stock/:productId/restock',
    { onRequest: adminOnly, schema: { params: ProductParams, body: RestockBody, response: { 200: ProductStock } } },
    async (request) => {
      const { productId } = request.params;
      const change = await admin.restock(productId, request.body.quantity, requestTraceparent(request));
      return { productId, available: change.available };
    },
  );
}
