// Fails fast on a port that is taken, naming the port, the process holding it when /proc can tell, and the
// variable that moves it — instead of four services crashing one after another with EADDRINUSE.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';

export interface PortClaim {
  readonly port: number;
  readonly host: string;
  /** What runs there, for the message: "order-service". */
  readonly owner: string;
  /** The variable that changes this port. */
  readonly variable: string;
}

export class PortInUseError extends Error {
  readonly code = 'ERR_PORT_IN_USE';
  readonly port: number;
  constructor(claim: PortClaim, holder: string | undefined) {
    super(
      `port ${claim.port} (${claim.owner}) is already in use${holder ? ` by ${holder}` : ''}; ` +
        `stop that process or choose another port with ${claim.variable}=<port>`,
    );
    this.port = claim.port;
  }
}

export function isPortFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

export async function assertPortsFree(claims: readonly PortClaim[]): Promise<void> {
  for (const claim of claims) {
    if (!(await isPortFree(claim.port, claim.host))) throw new PortInUseError(claim, describePortHolder(claim.port));
  }
}

/** "node services/x/src/main.ts (pid 1234)", from /proc on Linux; undefined elsewhere or when not permitted. */
export function describePortHolder(port: number): string | undefined {
  try {
    const inodes = listeningSocketInodes(port);
    if (inodes.size === 0) return undefined;
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      let descriptors: string[];
      try {
        descriptors = readdirSync(`/proc/${pid}/fd`);
      } catch {
        continue;
      }
      for (const fd of descriptors) {
        let target: string;
        try {
          target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        } catch {
          continue;
        }
        const match = /^socket:\[(\d+)\]$/.exec(target);
        if (match && inodes.has(match[1])) {
          const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
          return `${command || 'a process'} (pid ${pid})`;
        }
      }
    }
  } catch {
    return undefined;
  }
  return undefined;
}

const TCP_LISTEN_STATE = '0A';

function listeningSocketInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10) continue;
      const localPort = Number.parseInt(fields[1].split(':')[1], 16);
      if (localPort === port && fields[3] === TCP_LISTEN_STATE) inodes.add(fields[9]);
    }
  }
  return inodes;
}
