import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts, redisCli, type RedisProcess, startRedisProcess, waitFor } from './redis-process.ts';

// A real Redis Cluster of three masters, no replicas, started by a test itself with Debian's redis-server and
// `redis-cli --cluster create`: each master on free ports (client and cluster bus), its nodes.conf and nothing else
// in a temporary directory (no RDB, no AOF), killed and deleted afterwards. A killed master can be started again on
// the same ports and nodes.conf, so it comes back as the same node owning the same slots (empty: nothing is
// persisted), which is how the tests see what a lost master does to the services and how they recover.

/** Short, so a killed master makes the cluster fail (CLUSTERDOWN) and recover quickly in a test. */
const NODE_TIMEOUT_MS = 2000;
const MASTERS = 3;

export interface ClusterNode {
  readonly port: number;
  /** `127.0.0.1:<port>`, as REDIS_CLUSTER_NODES lists it. */
  readonly address: string;
}

export interface RedisCluster {
  readonly nodes: readonly ClusterNode[];
  /** REDIS_CLUSTER_NODES for the services: every master. */
  readonly seeds: string;
  /** The master serving the slot of `key` (of its hash tag, when it has one). */
  masterOf(key: string): Promise<ClusterNode>;
  /** SIGKILL one master; resolves once it has exited. */
  kill(node: ClusterNode): Promise<void>;
  /** Starts a killed master again on its ports and nodes.conf, and waits until the cluster is ok on every node. */
  restart(node: ClusterNode): Promise<void>;
  close(): Promise<void>;
}

interface Member extends ClusterNode {
  readonly busPort: number;
  server: RedisProcess | undefined;
}

export async function startRedisCluster(): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'orderflow-redis-cluster-'));
  const ports = await freePorts(2 * MASTERS);
  const members: Member[] = Array.from({ length: MASTERS }, (_, index) => {
    const port = ports[2 * index]!;
    return { port, busPort: ports[2 * index + 1]!, address: `127.0.0.1:${port}`, server: undefined };
  });
  const start = async (member: Member) => {
    member.server = await startRedisProcess(member.port, [
      '--cluster-enabled',
      'yes',
      '--cluster-port',
      String(member.busPort),
      '--cluster-config-file',
      join(dir, `nodes-${member.port}.conf`),
      '--cluster-node-timeout',
      String(NODE_TIMEOUT_MS),
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--logfile',
      join(dir, `redis-${member.port}.log`),
    ]);
  };
  const stop = async (member: Member) => {
    await member.server?.kill();
    member.server = undefined;
  };
  const close = async () => {
    await Promise.all(members.map(stop));
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await Promise.all(members.map(start));
    const create = ['--cluster', 'create', ...members.map((member) => member.address)];
    await redisCli(members[0]!.port, [...create, '--cluster-replicas', '0', '--cluster-yes']);
    await clusterOk(members);
  } catch (error) {
    await close();
    throw error;
  }

  const memberOf = (node: ClusterNode): Member => {
    const member = members.find((candidate) => candidate.port === node.port);
    if (member === undefined) throw new Error(`${node.address} is not a node of this cluster`);
    return member;
  };

  return {
    nodes: members,
    seeds: members.map((member) => member.address).join(','),
    async masterOf(key) {
      const slot = Number((await redisCli(members[0]!.port, ['cluster', 'keyslot', key])).trim());
      for (const member of members) {
        const myself = (await redisCli(member.port, ['cluster', 'nodes']))
          .split('\n')
          .find((line) => line.split(' ')[2]?.split(',').includes('myself'));
        if (myself !== undefined && ownsSlot(myself, slot)) return member;
      }
      throw new Error(`no master owns slot ${slot} of ${key}`);
    },
    kill: (node) => stop(memberOf(node)),
    async restart(node) {
      await start(memberOf(node));
      await clusterOk(members);
    },
    close,
  };
}

/** Waits until every node reports cluster_state:ok and knows every master. */
async function clusterOk(members: readonly Member[]): Promise<void> {
  await waitFor('cluster_state:ok on every node', async () => {
    for (const member of members) {
      const info = await redisCli(member.port, ['cluster', 'info']);
      if (!/^cluster_state:ok\r?$/m.test(info) || !new RegExp(`^cluster_known_nodes:${MASTERS}\\r?$`, 'm').test(info)) {
        return false;
      }
    }
    return true;
  });
}

/** Whether a `cluster nodes` line's slot ranges (`0-5460`, `5461`, after its eight fixed fields) hold `slot`. */
function ownsSlot(line: string, slot: number): boolean {
  return line
    .trim()
    .split(' ')
    .slice(8)
    .some((range) => {
      const [start, end = start] = range.split('-').map(Number);
      return start !== undefined && end !== undefined && slot >= start && slot <= end;
    });
}
