import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientOptions, createKafkaConnection } from '../src/kafka/kafka-connection.ts';

test('a connection is a frozen copy of its options', () => {
  const brokers = ['kafka-1:9092', '[::1]:9093'];
  const connection = createKafkaConnection({ brokers, clientId: 'order-service' });
  brokers.push('late:9094');
  assert.deepEqual(connection.brokers, ['kafka-1:9092', '[::1]:9093']);
  assert.ok(Object.isFrozen(connection));
  assert.ok(Object.isFrozen(connection.brokers));
});

test('invalid options fail with KAFKA_CONFIG_INVALID', () => {
  const cases = [
    { brokers: [], clientId: 'x' },
    { brokers: ['kafka'], clientId: 'x' },
    { brokers: ['kafka:0'], clientId: 'x' },
    { brokers: ['kafka:70000'], clientId: 'x' },
    { brokers: ['kafka:9092'], clientId: ' ' },
    { brokers: ['kafka:9092'], clientId: 'x', sasl: { mechanism: 'GSSAPI', username: 'u', password: 'p' } },
    { brokers: ['kafka:9092'], clientId: 'x', sasl: { mechanism: 'PLAIN', username: 'u', password: '' } },
  ];
  for (const options of cases) {
    assert.throws(
      () => createKafkaConnection(options as Parameters<typeof createKafkaConnection>[0]),
      { code: 'KAFKA_CONFIG_INVALID', status: 500 },
      JSON.stringify(options),
    );
  }
});

test('TLS and SASL options reach the client options', () => {
  assert.equal(clientOptions(createKafkaConnection({ brokers: ['k:9092'], clientId: 'c' })).tls, undefined);
  assert.deepEqual(clientOptions(createKafkaConnection({ brokers: ['k:9092'], clientId: 'c', tls: true })).tls, {});
  const withCa = clientOptions(
    createKafkaConnection({
      brokers: ['k:9093'],
      clientId: 'c',
      tls: { ca: 'PEM' },
      sasl: { mechanism: 'scram-sha-512', username: 'svc', password: 'secret' },
    }),
  );
  assert.deepEqual(withCa.tls, { ca: 'PEM' });
  assert.deepEqual(withCa.sasl, { mechanism: 'SCRAM-SHA-512', username: 'svc', password: 'secret' });
  assert.deepEqual(withCa.bootstrapBrokers, ['k:9093']);
  assert.equal(withCa.clientId, 'c');
});
