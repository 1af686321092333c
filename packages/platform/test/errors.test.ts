import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError, defineErrors, isAppError, PlatformErrors } from '../src/index.ts';

const OrderErrors = defineErrors({
  NOT_FOUND: { status: 404, title: 'Order not found', retriable: false },
  IDEMPOTENCY_KEY_REUSED: { status: 422, title: 'Idempotency key reused', retriable: false },
});

test('a registry builds typed errors carrying code, status, retriable and detail', () => {
  const cause = new Error('row missing');
  const error = OrderErrors.create('NOT_FOUND', 'Order o-1 does not exist', { cause });
  assert.ok(error instanceof AppError);
  assert.ok(error instanceof Error);
  assert.equal(error.code, 'NOT_FOUND');
  assert.equal(error.status, 404);
  assert.equal(error.title, 'Order not found');
  assert.equal(error.retriable, false);
  assert.equal(error.detail, 'Order o-1 does not exist');
  assert.equal(error.message, 'Order o-1 does not exist');
  assert.equal(error.cause, cause);
  assert.equal(OrderErrors.create('IDEMPOTENCY_KEY_REUSED').detail, 'Idempotency key reused');
});

test('is() recognises errors of its own registry only, even when codes coincide', () => {
  const ours = OrderErrors.create('NOT_FOUND');
  const theirs = PlatformErrors.create('NOT_FOUND');
  assert.ok(OrderErrors.is(ours));
  assert.ok(OrderErrors.is(ours, 'NOT_FOUND'));
  assert.ok(!OrderErrors.is(ours, 'IDEMPOTENCY_KEY_REUSED'));
  assert.ok(!OrderErrors.is(theirs));
  assert.ok(PlatformErrors.is(theirs, 'NOT_FOUND'));
  assert.ok(!OrderErrors.is(new Error('NOT_FOUND')));
  assert.ok(isAppError(theirs));
});

test('the platform registry has the statuses the HTTP base relies on', () => {
  const expected = {
    VALIDATION_FAILED: 400,
    NOT_FOUND: 404,
    PAYLOAD_TOO_LARGE: 413,
    UNSUPPORTED_MEDIA_TYPE: 415,
    INTERNAL: 500,
    STORE_UNAVAILABLE: 503,
    KAFKA_UNAVAILABLE: 503,
  } as const;
  for (const [code, status] of Object.entries(expected)) {
    assert.equal(PlatformErrors.definitions[code as keyof typeof expected].status, status, code);
  }
  assert.equal(PlatformErrors.definitions.STORE_UNAVAILABLE.retriable, true);
  assert.equal(PlatformErrors.definitions.VALIDATION_FAILED.retriable, false);
});
