// The processes of the bare Node stack (bench/lib/bare-node-stack.ts), kept to what any stack of Node 24 processes
// must do before it runs code of its own: start, open an HTTP server, say so. It imports node: modules only.
//
//   node bench/lib/bare-node-process.ts launcher <first> <others…>
//   node bench/lib/bare-node-process.ts server <name>
//
// The launcher has the shape of `orderflow up`: it starts the stand-in of the broker (<first>) and waits until it
// listens, then the stand-ins of the services (<others…>) together, waits until each listens and has answered one
// GET, as the launcher's readiness check asks each service, and prints {"msg":"up"}. SIGTERM stops the stand-ins and
// then the launcher. A stand-in exits when its stdin closes, so none outlives a launcher that was killed.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

function runServer(name: string): void {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{"status":"ok"}');
  });
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    console.log(JSON.stringify({ msg: 'listening', name, port }));
  });
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}

async function startServer(name: string, children: ChildProcess[]): Promise<number> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'server', name], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  children.push(child);
  const exited = once(child, 'exit').then(() => {
    throw new Error(`the stand-in of ${name} exited before listening`);
  });
  const listening = new Promise<number>((resolve) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; port?: number };
      if (entry.msg === 'listening' && entry.port !== undefined) resolve(entry.port);
    });
  });
  return Promise.race([listening, exited]);
}

async function runLauncher(first: string, others: readonly string[]): Promise<void> {
  const children: ChildProcess[] = [];
  process.on('SIGTERM', () => {
    const running = children.filter((child) => child.exitCode === null && child.signalCode === null);
    for (const child of running) child.kill('SIGTERM');
    void Promise.all(running.map((child) => once(child, 'exit'))).then(() => process.exit(0));
  });
  process.stdin.on('end', () => process.kill(process.pid, 'SIGTERM'));
  process.stdin.resume();
  await startServer(first, children);
  await Promise.all(
    others.map(async (name) => {
      const port = await startServer(name, children);
      const response = await fetch(`http://127.0.0.1:${port}/health/ready`);
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`the stand-in of ${name} answered ${response.status}`);
    }),
  );
  console.log(JSON.stringify({ msg: 'up' }));
}

const [role, ...names] = process.argv.slice(2);
if (role === 'server' && names[0] !== undefined) {
  runServer(names[0]);
} else if (role === 'launcher' && names[0] !== undefined) {
  await runLauncher(names[0], names.slice(1));
} else {
  console.error('usage: bare-node-process.ts launcher <first> <others…> | server <name>');
  process.exitCode = 2;
}
