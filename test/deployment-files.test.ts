// The compose files, the topic script and the Dockerfile describe the same system as the code: the same ports, the
// same environment variable names, the same topics and dead-letter topics. These tests fail when one side changes
// without the other.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ConsumerGroups, Subscriptions, Topics } from '@orderflow/contracts';
import { deadLetterTopic, kafkaConfigSpec } from '@orderflow/platform';
import { parse } from 'yaml';
import { analyticsConfigSpec } from '@orderflow/analytics-service/config';
import { notificationConfigSpec } from '@orderflow/notification-service/config';
import { orderServiceConfigSpec } from '@orderflow/order-service/config';
import { stockConfigSpec } from '@orderflow/stock-service/config';

interface ComposeService {
  image?: string;
  build?: unknown;
  ports?: string[];
  environment?: Record<string, string | number>;
  entrypoint?: string[];
}
interface ComposeFile {
  services: Record<string, ComposeService>;
}

const root = new URL('../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const composeFiles = ['docker-compose.yml', 'compose.kraft.yml', 'compose.infra.yml'];
const load = (path: string) => parse(read(path), { merge: true }) as ComposeFile;

const services = {
  'order-service': { spec: orderServiceConfigSpec, port: 8081, image: 'order' },
  'stock-service': { spec: stockConfigSpec, port: 8082, image: 'stock' },
  'notification-service': { spec: notificationConfigSpec, port: 8083, image: 'notification' },
  'analytics-service': { spec: analyticsConfigSpec, port: 8084, image: 'analytics' },
} as const;

/** Read by the image itself (Dockerfile CMD), not by the service's config. */
const IMAGE_VARIABLES = new Set(['SERVICE']);

function defaultOf(spec: object, name: string): unknown {
  return (spec as Record<string, { default?: unknown }>)[name]?.default;
}

for (const file of ['docker-compose.yml', 'compose.kraft.yml']) {
  test(`${file}: every service sets only variables its config reads, on its own port`, () => {
    const compose = load(file);
    for (const [name, expected] of Object.entries(services)) {
      const service = compose.services[name];
      assert.ok(service, `${file} runs ${name}`);
      assert.ok(service.build, `${name} is built from the Dockerfile`);
      const environment = service.environment ?? {};
      for (const variable of Object.keys(environment)) {
        if (IMAGE_VARIABLES.has(variable)) continue;
        assert.ok(variable in expected.spec, `${file}: ${name} sets ${variable}, which ${name} does not read`);
      }
      assert.equal(String(environment.SERVICE), expected.image, `${name} runs services/${expected.image}-service`);
      assert.equal(Number(environment.PORT), expected.port, `${name} listens on ${expected.port}`);
      assert.equal(defaultOf(expected.spec, 'PORT'), expected.port, `${name}'s own default port is ${expected.port}`);
      const containerPorts = (service.ports ?? []).map((mapping) => Number(String(mapping).split(':').at(-1)));
      assert.deepEqual(containerPorts, [expected.port], `${name} publishes container port ${expected.port}`);
      assert.ok(String(environment.REDIS_URL).startsWith('redis://redis:'), `${name} uses the compose Redis`);
      for (const broker of String(environment.KAFKA_BROKERS).split(',')) {
        const [host, port] = broker.split(':');
        assert.ok(compose.services[host], `${name}'s KAFKA_BROKERS names the compose service ${host}`);
        assert.equal(port, '29092', `${name} uses the internal listener of ${host}`);
      }
    }
  });
}

test('the stock admin token and the webhook URL are variables the services read', () => {
  assert.ok('ADMIN_TOKEN' in stockConfigSpec);
  assert.ok('NOTIFY_WEBHOOK_URL' in notificationConfigSpec);
});

for (const file of composeFiles) {
  test(`${file}: Kafka advertises localhost:9092 to the host and Redis keeps an append-only file`, () => {
    const compose = load(file);
    const kafka = compose.services.kafka ?? compose.services['kafka-1'];
    assert.ok(kafka, `${file} runs Kafka`);
    assert.match(String(kafka.environment?.KAFKA_ADVERTISED_LISTENERS), /HOST:\/\/localhost:9092/);
    assert.ok(kafka.ports?.includes('9092:9092'));
    assert.deepEqual(compose.services.redis.ports, ['6379:6379']);
    assert.match(JSON.stringify(compose.services.redis), /--appendonly","yes/);
    assert.ok(compose.services['kafka-init'], `${file} creates the topics before the services start`);
  });
}

test('docker-compose.yml is the original design: ZooKeeper on 2181 and a ZooKeeper-mode Confluent 7.x Kafka', () => {
  const compose = load('docker-compose.yml');
  assert.ok(compose.services.zookeeper.ports?.includes('2181:2181'));
  assert.match(String(compose.services.kafka.image), /^confluentinc\/cp-kafka:7\./);
  assert.equal(compose.services.kafka.environment?.KAFKA_ZOOKEEPER_CONNECT, 'zookeeper:2181');
});

test('compose.kraft.yml runs three KRaft brokers and replicates every topic three times', () => {
  const compose = load('compose.kraft.yml');
  const brokers = Object.keys(compose.services).filter((name) => /^kafka-\d$/.test(name));
  assert.equal(brokers.length, 3);
  for (const name of brokers) {
    assert.equal(compose.services[name].environment?.KAFKA_PROCESS_ROLES, 'broker,controller');
    assert.match(String(compose.services[name].image), /^apache\/kafka:4\./);
  }
  assert.equal(String(compose.services['kafka-init'].environment?.REPLICATION_FACTOR), '3');
  assert.deepEqual(
    compose.services['stock-service'].ports,
    ['8082'],
    'stock-service can be scaled: no fixed host port',
  );
});

test('the topic script creates the event topics and a dead-letter topic for every subscription', () => {
  const script = read('deploy/create-topics.sh');
  for (const topic of Object.values(Topics)) assert.match(script, new RegExp(`create ${topic.replace('.', '\\.')} `));
  const expected = Object.entries(Subscriptions).flatMap(([group, topics]) =>
    topics.map((topic) => deadLetterTopic(topic, group)),
  );
  const created = [...script.matchAll(/^\s+([a-z-]+\.[a-z-]+\.dlq)\b/gm)].map((match) => match[1]);
  assert.deepEqual(created.sort(), expected.sort());
  assert.equal(Object.keys(Subscriptions).length, Object.keys(ConsumerGroups).length, 'every group subscribes');
});

test('the Dockerfile builds every workspace on Node 24, runs as a non-root user and checks readiness', () => {
  const dockerfile = read('Dockerfile');
  const stages = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((match) => match[1]);
  assert.ok(stages.length >= 2, 'a multi-stage build');
  assert.ok(
    stages.every((image) => image === 'node:24-slim'),
    `every stage on node:24-slim: ${stages.join(', ')}`,
  );
  assert.match(dockerfile, /npm ci --omit=dev/);
  assert.match(dockerfile, /^USER node$/m);
  assert.match(dockerfile, /^HEALTHCHECK[\s\S]*\/health\/ready/m);

  // npm ci in the first stage needs the package.json of every workspace the root lists.
  const { workspaces } = JSON.parse(read('package.json')) as { workspaces: string[] };
  const copied = [...dockerfile.matchAll(/^COPY (\S+)\/package\.json /gm)].map((match) => match[1]);
  assert.deepEqual(copied.sort(), [...workspaces].sort());

  const exposed = /^EXPOSE (.+)$/m.exec(dockerfile)?.[1]?.split(/\s+/).map(Number) ?? [];
  assert.deepEqual(
    exposed,
    Object.values(services).map((service) => service.port),
  );
  assert.match(dockerfile, /services\/\$\{SERVICE\}-service\/src\/main\.ts/);
  for (const { image } of Object.values(services)) {
    assert.ok(read(`services/${image}-service/src/main.ts`).length > 0, `SERVICE=${image} has an entry point`);
  }
});

test('compose.infra.yml is only the infrastructure, on the ports the services default to', () => {
  const compose = load('compose.infra.yml');
  for (const name of Object.keys(services)) assert.equal(compose.services[name], undefined, `no ${name}`);
  assert.deepEqual(compose.services.redis.ports, ['6379:6379']);
  assert.ok(compose.services.kafka?.ports?.includes('9092:9092'));
  // The README runs the services from source against it with KAFKA_BROKERS=localhost:9092, which is also their default.
  assert.deepEqual(kafkaConfigSpec('any').KAFKA_BROKERS.default, ['127.0.0.1:9092']);
  assert.match(
    read('README.md'),
    /KAFKA_BROKERS=localhost:9092 REDIS_URL=redis:\/\/localhost:6379 npm start -- --no-broker/,
  );
});

test('docker-compose.yml: Jaeger only under the tracing profile, and the services export to it only when asked', () => {
  const compose = load('docker-compose.yml');
  const jaeger = compose.services.jaeger as ComposeService & { profiles?: string[] };
  assert.deepEqual(jaeger.profiles, ['tracing']);
  assert.ok(jaeger.ports?.includes('4318:4318'), 'OTLP over HTTP');
  assert.ok(jaeger.ports?.includes('16686:16686'), 'the UI');
  for (const name of Object.keys(services)) {
    const environment = compose.services[name]?.environment ?? {};
    assert.equal(
      environment.OTEL_EXPORTER_OTLP_ENDPOINT,
      '${OTEL_EXPORTER_OTLP_ENDPOINT:-}',
      `${name}: off unless set`,
    );
  }
  assert.match(
    read('README.md'),
    /OTEL_EXPORTER_OTLP_ENDPOINT=http:\/\/jaeger:4318 docker compose --profile tracing up/,
  );
});
