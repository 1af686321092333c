// The cluster id and node id, created on first start and kept in the data directory, so clients that cache the
// cluster id (Metadata v2+) see the same cluster after a restart.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { syncDirectory } from './storage/framed-log.ts';

export interface ClusterIdentity {
  readonly clusterId: string;
  readonly nodeId: number;
}

const FILE_NAME = 'cluster.json';

export function loadOrCreateClusterIdentity(dataDir: string, nodeId: number): ClusterIdentity {
  const path = join(dataDir, FILE_NAME);
  try {
    const stored = JSON.parse(readFileSync(path, 'utf8')) as ClusterIdentity;
    if (typeof stored.clusterId === 'string' && stored.clusterId.length > 0) {
      return { clusterId: stored.clusterId, nodeId: stored.nodeId ?? nodeId };
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  // Kafka cluster ids are 16 random bytes in URL-safe base64 without padding.
  const identity: ClusterIdentity = { clusterId: randomBytes(16).toString('base64url'), nodeId };
  const temporaryPath = `${path}.tmp`;
  const fd = openSync(temporaryPath, 'w');
  writeSync(fd, JSON.stringify(identity));
  fsyncSync(fd);
  closeSync(fd);
  renameSync(temporaryPath, path);
  syncDirectory(dataDir);
  return identity;
}
