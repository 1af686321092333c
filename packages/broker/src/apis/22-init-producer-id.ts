// InitProducerId (key 22), v0-5. Gives idempotent producers (KIP-98, null TransactionalId) a producer id that was
// never handed out before, even across restarts (the storage layer persists the counter), at epoch 0 — whatever id
// and epoch the request carries. That is Kafka's rule (TransactionCoordinator.handleInitProducerId: a null
// transactional id "always blindly" gets a new id): the KIP-360 epoch bump applies to transactional producers only,
// and clients rely on it — @platformatic/kafka sends id 0 / epoch 0 when it wants a fresh id, so bumping "producer 0"
// would give every such producer the same id and silently drop their first batches as duplicates.
// Transactions are not implemented. A TransactionalId gets TRANSACTIONAL_ID_AUTHORIZATION_FAILED: every client treats
// it as fatal (no retry loop) and its message names the transactional id, which is the setting to remove; codes such
// as COORDINATOR_NOT_AVAILABLE would make clients retry forever. The broker logs a warning saying why. An empty
// TransactionalId is INVALID_REQUEST, as in Kafka. There is no error message field in this response.
import { ErrorCode } from '../protocol/error-codes.ts';
import type { InitProducerIdRequest, InitProducerIdResponse } from '../protocol/generated/init-producer-id.ts';
import type { ApiHandler } from './api-handler.ts';

const NO_PRODUCER_ID = -1n;
const NO_PRODUCER_EPOCH = -1;

export const initProducerIdHandler: ApiHandler<InitProducerIdRequest, InitProducerIdResponse> = {
  apiKey: 22,
  minVersion: 0,
  maxVersion: 5,
  handle(context, request) {
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
    const allocated = broker.logs.allocateProducerId();
    context.log.debug({ producerId: allocated, clientId: context.clientId }, 'producer id allocated');
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: allocated, producerEpoch: 0 };
  },
};

function refused(errorCode: number): InitProducerIdResponse {
  return { throttleTimeMs: 0, errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH };
}
