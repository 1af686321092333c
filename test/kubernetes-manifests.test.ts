// deploy/kubernetes describes the same system as the code. Each kustomization is rendered (test/kustomize, checked
// against `kubectl kustomize` where kubectl is installed), every object is validated against the Kubernetes and KEDA
// OpenAPI schemas that kubernetes-models ships compiled for ajv, and the values are tied to the code: ports, probes,
// the variables each service reads, consumer groups, topics and partition counts.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ConsumerGroups, Subscriptions, Topics } from '@orderflow/contracts';
import { type ConfigSpec, deadLetterTopic, loadConfig } from '@orderflow/platform';
import { parseAllDocuments } from 'yaml';
import { analyticsConfigSpec } from '@orderflow/analytics-service/config';
import { notificationConfigSpec } from '@orderflow/notification-service/config';
import { orderServiceConfigSpec } from '@orderflow/order-service/config';
import { stockConfigSpec } from '@orderflow/stock-service/config';
import { configMapHash, renderKustomization } from './kustomize/render-kustomization.ts';

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  // Shapes differ per kind; the schemas check them, the assertions below read what they need.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  spec?: any;
  data?: Record<string, string>;
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string };
  };
}

const root = new URL('../', import.meta.url);
const rendered = new Map<string, Manifest[]>();

/** The objects of a kustomization, rendered once per path. */
function render(path: string): Manifest[] {
  if (!rendered.has(path)) rendered.set(path, renderKustomization(new URL(path, root).pathname) as Manifest[]);
  return structuredClone(rendered.get(path) ?? []);
}

function kubectlKustomize(path: string): Manifest[] | undefined {
  try {
    const output = execFileSync('kubectl', ['kustomize', new URL(path, root).pathname], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return parseAllDocuments(output).map((document) => document.toJS() as Manifest);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

const services = {
  'order-service': { spec: orderServiceConfigSpec, port: 8081, image: 'order', group: ConsumerGroups.order },
  'stock-service': { spec: stockConfigSpec, port: 8082, image: 'stock', group: ConsumerGroups.stock },
  'notification-service': {
    spec: notificationConfigSpec,
    port: 8083,
    image: 'notification',
    group: ConsumerGroups.notification,
  },
  'analytics-service': { spec: analyticsConfigSpec, port: 8084, image: 'analytics', group: ConsumerGroups.analytics },
} as const;

/** Read by the image itself (Dockerfile CMD), not by the service's config. */
const IMAGE_VARIABLES = new Set(['SERVICE']);
const SECRETS = 'orderflow-secrets';

/** The partition count deploy/create-topics.sh gives the event topics, which the KafkaTopics must repeat. */
const EVENT_TOPIC_PARTITIONS = Number(
  /EVENT_TOPIC_PARTITIONS:-(\d+)/.exec(readFileSync(new URL('deploy/create-topics.sh', root), 'utf8'))?.[1],
);

const kustomizations = [
  'deploy/kubernetes/base',
  'deploy/kubernetes/overlays/scaled',
  'deploy/kubernetes/overlays/scaled-sasl-tls',
  'deploy/kubernetes/overlays/scaled-redis-cluster',
  'deploy/kubernetes/overlays/strimzi-topics',
];
const overlays = [
  'deploy/kubernetes/base',
  'deploy/kubernetes/overlays/scaled',
  'deploy/kubernetes/overlays/scaled-sasl-tls',
  'deploy/kubernetes/overlays/scaled-redis-cluster',
];

/** kubernetes-models has one module per kind: `<group>/<version>/<Kind>`, core kinds under `v1/`. */
function modelModule(manifest: Manifest): string | undefined {
  const [group, version] = manifest.apiVersion.includes('/')
    ? manifest.apiVersion.split('/')
    : ['', manifest.apiVersion];
  if (group === 'keda.sh') return `@kubernetes-models/keda/keda.sh/${version}/${manifest.kind}`;
  if (group === '') return `kubernetes-models/${version}/${manifest.kind}`;
  if (!group.includes('.') || group.endsWith('.k8s.io'))
    return `kubernetes-models/${group}/${version}/${manifest.kind}`;
  return undefined;
}

async function validate(manifest: Manifest): Promise<void> {
  const module = modelModule(manifest);
  assert.ok(module, `${manifest.apiVersion} ${manifest.kind} has a schema`);
  const exports = (await import(module)) as Record<string, new (data: Manifest) => { validate(): void }>;
  const Model = exports[manifest.kind];
  assert.ok(Model, `${module} exports ${manifest.kind}`);
  new Model(manifest).validate();
}

const find = (manifests: Manifest[], kind: string, name: string) =>
  manifests.find((manifest) => manifest.kind === kind && manifest.metadata.name === name);

function configMapNamed(manifests: Manifest[], prefix: string): Manifest {
  // configMapGenerator appends a content hash to the name.
  const found = manifests.filter((m) => m.kind === 'ConfigMap' && m.metadata.name.startsWith(`${prefix}-`));
  assert.equal(found.length, 1, `one ConfigMap ${prefix}-<hash>`);
  return found[0];
}

test('the schema validation rejects what the API server would', async () => {
  const broken: Manifest = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'broken' },
    spec: {
      selector: { matchLabels: { app: 'broken' } },
      template: { spec: { containers: [{ name: 'service', image: 'orderflow', ports: [{ containerPort: '8081' }] }] } },
    },
  };
  await assert.rejects(validate(broken), /containerPort must be integer/);
  const scaledObject: Manifest = {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name: 'broken' },
    spec: { scaleTargetRef: { name: 'broken' }, triggers: [{ type: 'kafka', metadata: { lagThreshold: 50 } }] },
  };
  await assert.rejects(validate(scaledObject), /lagThreshold must be string/);
});

const byKindAndName = (a: Manifest, b: Manifest) =>
  `${a.kind}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.name}`);
const kubectl = kubectlKustomize('deploy/kubernetes/base') !== undefined;

for (const path of kustomizations) {
  test(
    `${path}: our rendering is what kubectl kustomize prints`,
    { skip: !kubectl && 'kubectl is not installed' },
    () => {
      assert.deepEqual(render(path).sort(byKindAndName), kubectlKustomize(path)?.sort(byKindAndName));
    },
  );
}

test('the name suffix of a generated ConfigMap is the one Kustomize computes', () => {
  // Printed by `kubectl kustomize` (Kustomize v5.5) for a configMapGenerator with these literals.
  assert.equal(
    configMapHash({
      LOG_LEVEL: 'info',
      KAFKA_TLS: 'false',
      KAFKA_BROKERS: 'my-cluster-kafka-bootstrap.kafka.svc:9092',
    }),
    '8hmmgc4kmb',
  );
});

for (const overlay of overlays) {
  test(`${overlay}: renders, and every object passes its Kubernetes or KEDA schema`, async () => {
    const manifests = render(overlay);
    assert.ok(manifests.length > 0);
    for (const manifest of manifests) await validate(manifest);
  });

  test(`${overlay}: each service runs on its port with the probes, variables and secrets its code reads`, () => {
    const manifests = render(overlay);
    const config = configMapNamed(manifests, 'orderflow-config');
    for (const [name, expected] of Object.entries(services)) {
      const spec: ConfigSpec = expected.spec;
      const deployment = find(manifests, 'Deployment', name);
      assert.ok(deployment, `${overlay} deploys ${name}`);
      const pod = deployment.spec.template.spec;
      assert.equal(pod.containers.length, 1);
      const container = pod.containers[0];
      assert.deepEqual(container.ports, [{ name: 'http', containerPort: expected.port }]);
      assert.equal(spec.PORT.default, expected.port, `${name}'s own default port is ${expected.port}`);

      for (const [probe, path] of [
        ['startupProbe', '/health/live'],
        ['livenessProbe', '/health/live'],
        ['readinessProbe', '/health/ready'],
      ]) {
        assert.deepEqual(container[probe]?.httpGet, { path, port: 'http' }, `${name} ${probe} on ${path}`);
      }
      assert.ok(container.resources?.requests?.cpu && container.resources?.requests?.memory, `${name} requests`);
      assert.ok(container.resources?.limits?.memory, `${name} has a memory limit`);

      const env = container.env as EnvVar[];
      const literal = Object.fromEntries(env.filter((v) => v.value !== undefined).map((v) => [v.name, v.value]));
      assert.equal(literal.SERVICE, expected.image, `${name} runs services/${expected.image}-service`);
      assert.equal(Number(literal.PORT), expected.port);
      assert.deepEqual(container.envFrom, [{ configMapRef: { name: config.metadata.name } }]);
      const names = [...env.map((v) => v.name), ...Object.keys(config.data ?? {})];
      assert.equal(new Set(names).size, names.length, `${name}: no variable is set twice`);
      for (const variable of names) {
        if (IMAGE_VARIABLES.has(variable)) continue;
        assert.ok(variable in spec, `${overlay}: ${name} is given ${variable}, which ${name} does not read`);
      }
      const secretKeys: string[] = [];
      for (const variable of env.filter((v) => v.valueFrom !== undefined)) {
        const ref = variable.valueFrom?.secretKeyRef;
        assert.ok(ref, `${name}: ${variable.name} comes from a Secret`);
        assert.equal(ref.name, SECRETS);
        assert.equal(ref.key, variable.name, `${name}: the key of ${variable.name} in ${SECRETS} is its own name`);
        assert.equal(ref.optional !== true, variable.name === 'REDIS_URL', `${name}: only REDIS_URL is required`);
        secretKeys.push(variable.name);
      }
      // Several replicas must share one store: the per-pod SQLite fallback would oversell stock. The Redis is
      // REDIS_URL from the Secret, or a Redis Cluster's nodes from the ConfigMap (loadConfig below refuses both).
      assert.ok(
        secretKeys.includes('REDIS_URL') || config.data?.REDIS_CLUSTER_NODES !== undefined,
        `${name} reads REDIS_URL from ${SECRETS} or REDIS_CLUSTER_NODES from ${config.metadata.name}`,
      );
      for (const variable of Object.entries(spec).filter(([, v]) => v.secret === true)) {
        assert.ok(secretKeys.includes(variable[0]), `${name}'s secret ${variable[0]} comes from ${SECRETS}`);
      }

      // What the pod would be started with loads as the service's config.
      const secrets = Object.fromEntries(secretKeys.map((key) => [key, exampleSecret(key)]));
      assert.doesNotThrow(() => loadConfig(spec, { ...config.data, ...literal, ...secrets }), `${name} config`);
      if (config.data?.KAFKA_TLS_CA_FILE !== undefined) {
        const mounts = container.volumeMounts as { name: string; mountPath: string }[];
        const mount = mounts.find((m) => config.data?.KAFKA_TLS_CA_FILE?.startsWith(`${m.mountPath}/`));
        assert.ok(mount, `${name} mounts the directory of KAFKA_TLS_CA_FILE`);
        const volume = (pod.volumes as { name: string; secret?: { secretName: string } }[]).find(
          (v) => v.name === mount.name,
        );
        assert.ok(volume?.secret?.secretName, `${name}'s CA comes from a Secret`);
      }

      const service = find(manifests, 'Service', name);
      assert.ok(service, `${name} has a Service`);
      assert.deepEqual(service.spec.ports, [{ name: 'http', port: expected.port, targetPort: 'http' }]);
      assert.deepEqual(service.spec.selector, deployment.spec.selector.matchLabels);
      assert.deepEqual(deployment.spec.template.metadata.labels, {
        ...deployment.spec.template.metadata.labels,
        ...deployment.spec.selector.matchLabels,
      });
      const budget = find(manifests, 'PodDisruptionBudget', name);
      assert.ok(budget, `${name} has a PodDisruptionBudget`);
      assert.deepEqual(budget.spec.selector.matchLabels, deployment.spec.selector.matchLabels);
    }
  });
}

function exampleSecret(key: string): string {
  if (key === 'REDIS_URL') return 'redis://redis.redis.svc:6379';
  if (key === 'NOTIFY_WEBHOOK_URL') return 'https://hooks.example.com/orderflow';
  return 'example-secret';
}

for (const overlay of overlays.slice(1)) {
  test(`${overlay}: KEDA scales each consumer on its group's lag, up to the partition count`, () => {
    const manifests = render(overlay);
    const config = configMapNamed(manifests, 'orderflow-config');
    for (const [name, expected] of Object.entries(services)) {
      const deployment = find(manifests, 'Deployment', name);
      assert.equal(deployment?.spec.replicas, undefined, `the HPA owns ${name}'s replicas`);
      const scaled = find(manifests, 'ScaledObject', name);
      assert.ok(scaled, `${name} has a ScaledObject`);
      assert.equal(scaled.spec.scaleTargetRef.name, name);
      const container = deployment?.spec.template.spec.containers[0];
      assert.equal(scaled.spec.scaleTargetRef.envSourceContainerName, container.name);
      assert.deepEqual(container.envFrom, [{ configMapRef: { name: config.metadata.name } }]);
      const topics = Subscriptions[expected.group];
      assert.deepEqual(
        scaled.spec.triggers.map((trigger: { metadata: { topic: string } }) => trigger.metadata.topic),
        topics,
        `${name} scales on every topic its group reads`,
      );
      for (const trigger of scaled.spec.triggers) {
        assert.equal(trigger.type, 'kafka');
        assert.equal(trigger.metadata.consumerGroup, expected.group);
        // KEDA reads the brokers from the container's own environment, here the ConfigMap the service reads.
        assert.equal(trigger.metadata.bootstrapServersFromEnv, 'KAFKA_BROKERS');
        assert.ok(config.data?.KAFKA_BROKERS, 'orderflow-config sets KAFKA_BROKERS');
        assert.match(trigger.metadata.lagThreshold, /^[1-9]\d*$/);
      }
      assert.equal(scaled.spec.maxReplicaCount, EVENT_TOPIC_PARTITIONS, 'a replica beyond that gets no partition');
      assert.ok(scaled.spec.minReplicaCount >= 1 && scaled.spec.minReplicaCount <= scaled.spec.maxReplicaCount);
    }
  });
}

test('overlays/scaled-sasl-tls: the services and KEDA log in to Kafka the same way', () => {
  const manifests = render('deploy/kubernetes/overlays/scaled-sasl-tls');
  const config = configMapNamed(manifests, 'orderflow-config').data ?? {};
  const keda = find(manifests, 'ConfigMap', 'orderflow-keda-kafka')?.data ?? {};
  const kedaMechanism: Record<string, string> = {
    plain: 'plaintext',
    'scram-sha-256': 'scram_sha256',
    'scram-sha-512': 'scram_sha512',
  };
  assert.equal(keda.sasl, kedaMechanism[config.KAFKA_SASL_MECHANISM]);
  assert.equal(config.KAFKA_TLS, 'true');
  assert.equal(keda.tls, 'enable');
  const auth = find(manifests, 'TriggerAuthentication', 'orderflow-kafka');
  assert.ok(auth);
  const secretRefs = Object.fromEntries(
    (auth.spec.secretTargetRef as { parameter: string; name: string; key: string }[]).map((ref) => [
      ref.parameter,
      `${ref.name}/${ref.key}`,
    ]),
  );
  assert.equal(secretRefs.username, `${SECRETS}/KAFKA_SASL_USERNAME`);
  assert.equal(secretRefs.password, `${SECRETS}/KAFKA_SASL_PASSWORD`);
  const caVolume = find(manifests, 'Deployment', 'order-service')?.spec.template.spec.volumes.find(
    (volume: { name: string }) => volume.name === 'kafka-ca',
  );
  assert.equal(secretRefs.ca, `${caVolume.secret.secretName}/${config.KAFKA_TLS_CA_FILE.split('/').at(-1)}`);
  for (const name of Object.keys(services)) {
    for (const trigger of find(manifests, 'ScaledObject', name)?.spec.triggers ?? []) {
      assert.deepEqual(trigger.authenticationRef, { name: 'orderflow-kafka' }, `${name} lag is read with auth`);
    }
  }
});

test('overlays/strimzi-topics: a KafkaTopic for every topic and dead-letter topic, as create-topics.sh makes them', () => {
  // No npm package ships Strimzi's CRD schemas, so the fields the Topic Operator requires are checked here.
  const manifests = render('deploy/kubernetes/overlays/strimzi-topics');
  const dlqs = Object.entries(Subscriptions).flatMap(([group, topics]) =>
    topics.map((topic) => deadLetterTopic(topic, group)),
  );
  assert.deepEqual(manifests.map((m) => m.metadata.name).sort(), [...Object.values(Topics), ...dlqs].sort());
  for (const topic of manifests) {
    assert.equal(topic.apiVersion, 'kafka.strimzi.io/v1beta2');
    assert.equal(topic.kind, 'KafkaTopic');
    assert.ok(topic.metadata.labels?.['strimzi.io/cluster'], 'names the Kafka cluster');
    assert.ok(Number.isInteger(topic.spec.replicas) && topic.spec.replicas >= 1);
    const expected = dlqs.includes(topic.metadata.name) ? 1 : EVENT_TOPIC_PARTITIONS;
    assert.equal(topic.spec.partitions, expected, `${topic.metadata.name} partitions`);
    assert.ok(topic.spec.config['min.insync.replicas'] < topic.spec.replicas);
  }
});
