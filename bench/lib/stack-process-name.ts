// The name each process of an embedded stack (`orderflow up`) is reported under in a benchmark's per-process figures.
import { brokerEntry, serviceDefinitions } from '../../packages/cli/src/services.ts';

/** The launcher is the tree's root; the broker and the services are known by their entry file. */
export function stackProcessName(argv: readonly string[], isRoot: boolean): string {
  if (isRoot) return 'launcher';
  if (argv.includes(brokerEntry)) return 'broker';
  return serviceDefinitions.find((service) => argv.includes(service.entry))?.name ?? argv.join(' ');
}
