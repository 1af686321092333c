import Type from 'typebox';

// Field schemas shared by every event, so an id or quantity accepted at the HTTP edge is exactly what the events
// carry. Services may reuse them in their own request schemas.

export const OrderId = Type.String({ minLength: 1, maxLength: 128, description: 'Order identifier' });
export const ProductId = Type.String({ minLength: 1, maxLength: 128, description: 'Product identifier (SKU)' });
export const CustomerId = Type.String({ minLength: 1, maxLength: 128, description: 'Customer identifier' });
export const Quantity = Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Units ordered' });
export const StockLevel = Type.Integer({ minimum: 0, description: 'Units in stock' });
export const Timestamp = Type.String({ format: 'date-time', description: 'RFC 3339 timestamp' });
