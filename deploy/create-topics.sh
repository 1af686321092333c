#!/bin/bash
# Run by the kafka-init container: creates every topic the services use, with the partition counts they expect,
# before any service starts. Idempotent (--if-not-exists), so it can run on every `docker compose up`.
set -euo pipefail
bootstrap="${KAFKA_BOOTSTRAP:-kafka:29092}"
replication="${REPLICATION_FACTOR:-1}"
partitions="${EVENT_TOPIC_PARTITIONS:-6}"

create() {
  kafka-topics --bootstrap-server "$bootstrap" --create --if-not-exists \
    --topic "$1" --partitions "$2" --replication-factor "$replication"
}

create order-topic "$partitions"
create stock-topic "$partitions"
# Dead-letter topics: <topic>.<consumer group>.dlq, one per topic a group consumes.
for dlq in \
  order-topic.stock-service.dlq \
  order-topic.notification-service.dlq \
  order-topic.analytics-service.dlq \
  stock-topic.order-service.dlq \
  stock-topic.notification-service.dlq \
  stock-topic.analytics-service.dlq; do
  create "$dlq" 1
done
kafka-topics --bootstrap-server "$bootstrap" --list
