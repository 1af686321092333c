// InitProducerId (key 22), v0-5. Gives idempotent producers (KIP-98, null TransactionalId) a producer id that was
// never handed out before, even across restarts (the storage layer persists the counter), at epoch 0.
// From v3 a producer may pass its current id and epoch to have the epoch bumped (KIP-360), which lets it reset its
// sequence numbers after an error without losing the id; when the epoch is exhausted it gets a fresh id at epoch 0,
// as Kafka does. An id and epoch must be given together (INVALID_REQUEST otherwise).
// Transactions are not implemented. A TransactionalId gets TRANSACTIONAL_ID_AUTHORIZATION_FAILED: every client treats
// it as fatal (no retry loop) and its message names the transactional id, which is the setting to remove; codes such
// as COORDINATOR_NOT_AVAILABLE would make clients retry forever. The broker logs a warning saying why. An empty
// TransactionalId is INVALID_REQUEST, as in Kafka. There is no error message field in this response.
import { ErrorCode } from '../protocol/error-codes.ts';
import type { InitProducerIdRequest, InitProducerIdResponse } from '../protocol/generated/init-producer-id.ts';
import type { ApiHandler } from './api-handler.ts';

const NO_PRODUCER_ID = -1n;
const NO_PRODUCER_EPOCH = -1;
/** Kafka gives a new producer id rather than bump an epoch to Short.MAX_VALUE, which marks "no epoch" in places. */
const MAX_BUMPABLE_EPOCH = 32_766;

export const initProducerIdHandler: ApiHandler<InitProducerIdRequest, InitProducerIdResponse> = {
  apiKey: 22,
  minVersion: 0,
  maxVersion: 5,
  handle(context, request, version) {
    const broker = context.broker;
    const transactionalId = request.transactionalId;
    if (transactionalId === '') return refused(ErrorCode.INVALID_REQUEST);
    if (transactionalId !== null) {
      context.log.warn(
        { transactionalId, clientId: context.clientId },
        'transactional producer refused: this broker does not implement transactions; use an idempotent producer',
      );
      return refused(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    }
    const producerId = version >= 3 ? (request.producerId ?? NO_PRODUCER_ID) : NO_PRODUCER_ID;
    const producerEpoch = version >= 3 ? (request.producerEpoch ?? NO_PRODUCER_EPOCH) : NO_PRODUCER_EPOCH;
    const hasId = producerId !== NO_PRODUCER_ID;
    const hasEpoch = producerEpoch !== NO_PRODUCER_EPOCH;
    if (hasId !== hasEpoch || producerId < NO_PRODUCER_ID || producerEpoch < NO_PRODUCER_EPOCH) {
      return refused(ErrorCode.INVALID_REQUEST);
    }
    if (hasId && producerEpoch < MAX_BUMPABLE_EPOCH) {
      context.log.debug({ producerId, producerEpoch: producerEpoch + 1 }, 'producer epoch bumped');
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId, producerEpoch: producerEpoch + 1 };
    }
    const allocated = broker.logs.allocateProducerId();
    context.log.debug({ producerId: allocated, clientId: context.clientId }, 'producer id allocated');
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: allocated, producerEpoch: 0 };
  },
};

function refused(errorCode: number): InitProducerIdResponse {
  return { throttleTimeMs: 0, errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH };
}
