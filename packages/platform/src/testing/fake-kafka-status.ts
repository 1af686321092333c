import type { KafkaStatus } from '../service/kafka-status.ts';

/** A KafkaStatus a test switches: `up` false makes ping() fail with `detail`, `assigned` false unassigns the consumer. */
export interface FakeKafkaStatus extends KafkaStatus {
  up: boolean;
  assigned: boolean;
}

export function fakeKafkaStatus(detail = 'broker unreachable'): FakeKafkaStatus {
  const status: FakeKafkaStatus = {
    up: true,
    assigned: true,
    async ping() {
      if (!status.up) throw new Error(detail);
    },
    consumerAssigned: () => status.assigned,
  };
  return status;
}
