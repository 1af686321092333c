// The TCP side of the broker: frames in, handlers, frames out.
//
// Like Kafka's network processor, each connection handles one request at a time and answers in request order, so a
// client may pipeline requests and match responses by order as well as by correlation id. Malformed input (a bad
// frame size, a truncated frame, an unknown API key or version) closes that one connection with a log line; every
// other connection carries on. Memory per connection stays bounded: reading pauses while more than a frame's worth
// of input waits, and while the socket's send buffer is full.
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { apiVersionsResponseForUnsupportedVersion } from './apis/18-api-versions.ts';
import type { ApiHandler, BrokerState, RequestContext } from './apis/api-handler.ts';
import { FrameReader } from './frame-reader.ts';
import { encodeApiVersionsResponse } from './protocol/generated/api-versions.ts';
import { apiDescriptors } from './protocol/generated/index.ts';
import { decodeRequestHeader, type RequestHeader } from './protocol/generated/request-header.ts';
import { encodeResponseHeader } from './protocol/generated/response-header.ts';
import { Reader } from './protocol/reader.ts';
import { Writer } from './protocol/writer.ts';

const API_VERSIONS_KEY = 18;
/** Input waiting beyond the frame being read that makes us stop reading from the socket for a while. */
const MAX_BUFFERED_INPUT_BYTES = 8 * 1024 * 1024;

export interface KafkaServer {
  readonly server: Server;
  listen(port: number, host: string): Promise<number>;
  /** Stops accepting, lets every in-flight request finish, then closes the connections. */
  close(): Promise<void>;
}

export function createKafkaServer(
  state: () => BrokerState,
  handlers: ReadonlyMap<number, ApiHandler<unknown, unknown>>,
  log: Logger,
): KafkaServer {
  const connections = new Set<Connection>();
  let nextConnectionId = 1;
  let closing = false;

  const server = createServer({ noDelay: true }, (socket) => {
    if (closing) {
      socket.destroy();
      return;
    }
    const connection = new Connection(nextConnectionId++, socket, state(), handlers, log);
    connections.add(connection);
    socket.once('close', () => connections.delete(connection));
  });

  return {
    server,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address();
          resolve(typeof address === 'object' && address !== null ? address.port : port);
        });
      });
    },
    async close() {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...connections].map((connection) => connection.closeWhenIdle()));
      await closed;
    },
  };
}

class Connection {
  readonly #id: number;
  readonly #socket: Socket;
  readonly #state: BrokerState;
  readonly #handlers: ReadonlyMap<number, ApiHandler<unknown, unknown>>;
  readonly #log: Logger;
  readonly #frames: FrameReader;
  readonly #clientHost: string;
  #processing = false;
  #closing = false;
  #idle: (() => void) | undefined;

  constructor(
    id: number,
    socket: Socket,
    state: BrokerState,
    handlers: ReadonlyMap<number, ApiHandler<unknown, unknown>>,
    log: Logger,
  ) {
    this.#id = id;
    this.#socket = socket;
    this.#state = state;
    this.#handlers = handlers;
    this.#log = log.child({ connectionId: id, remote: `${socket.remoteAddress}:${socket.remotePort}` });
    this.#frames = new FrameReader(state.config.maxRequestBytes);
    this.#clientHost = `/${socket.remoteAddress ?? ''}`;
    socket.on('data', (chunk: Buffer) => {
      this.#frames.push(chunk);
      if (this.#frames.buffered > MAX_BUFFERED_INPUT_BYTES) socket.pause();
      void this.#drain();
    });
    socket.on('error', (error) => this.#log.debug({ err: error }, 'connection error'));
    socket.on('close', () => this.#idle?.());
  }

  closeWhenIdle(): Promise<void> {
    this.#closing = true;
    if (!this.#processing || this.#socket.destroyed) {
      this.#socket.end();
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.#idle = () => {
        this.#socket.end();
        resolve();
      };
    });
  }

  async #drain(): Promise<void> {
    if (this.#processing) return;
    this.#processing = true;
    try {
      while (!this.#socket.destroyed) {
        let frame: Buffer | undefined;
        try {
          frame = this.#frames.next();
        } catch (error) {
          this.#reject(error, 'malformed frame');
          return;
        }
        if (frame === undefined) break;
        await this.#handle(frame);
        if (this.#closing) break;
        if (this.#socket.writableNeedDrain) await new Promise((resolve) => this.#socket.once('drain', resolve));
      }
      if (this.#socket.isPaused() && this.#frames.buffered <= MAX_BUFFERED_INPUT_BYTES) this.#socket.resume();
    } finally {
      this.#processing = false;
      if (this.#closing) this.#idle?.();
    }
  }

  async #handle(frame: Buffer): Promise<void> {
    const reader = new Reader(frame);
    const apiKey = frame.readInt16BE(0);
    const apiVersion = frame.readInt16BE(2);
    const descriptor = apiDescriptors.get(apiKey);
    const handler = this.#handlers.get(apiKey);
    if (descriptor === undefined || handler === undefined) {
      this.#reject(undefined, 'unknown API key', { apiKey, apiVersion });
      return;
    }
    if (apiVersion < handler.minVersion || apiVersion > handler.maxVersion) {
      if (apiKey === API_VERSIONS_KEY) {
        // KIP-511: a client that speaks a newer ApiVersions than we do gets a v0 response carrying
        // UNSUPPORTED_VERSION and our ranges, so it can retry at a version we support.
        const correlationId = frame.readInt32BE(4);
        const writer = new Writer();
        encodeResponseHeader(writer, 0, { correlationId });
        encodeApiVersionsResponse(writer, 0, apiVersionsResponseForUnsupportedVersion(this.#handlers));
        this.#send(writer);
        return;
      }
      this.#reject(undefined, 'unsupported API version', { apiKey, apiVersion });
      return;
    }
    let header: RequestHeader;
    let request: unknown;
    try {
      header = decodeRequestHeader(reader, descriptor.requestHeaderVersion(apiVersion));
      request = descriptor.decodeRequest(reader, apiVersion);
    } catch (error) {
      this.#reject(error, 'undecodable request', { apiKey, apiVersion });
      return;
    }
    const context: RequestContext = {
      broker: this.#state,
      clientId: header.clientId ?? null,
      clientHost: this.#clientHost,
      connectionId: this.#id,
      log: this.#log,
    };
    let response: unknown;
    try {
      response = await handler.handle(context, request, apiVersion);
    } catch (error) {
      this.#reject(error, 'request handler failed', { apiKey, apiVersion, api: descriptor.name });
      return;
    }
    if (response === null) return;
    const writer = new Writer();
    try {
      encodeResponseHeader(writer, descriptor.responseHeaderVersion(apiVersion), {
        correlationId: header.correlationId,
      });
      descriptor.encodeResponse(writer, apiVersion, response);
    } catch (error) {
      this.#reject(error, 'response not encodable', { apiKey, apiVersion, api: descriptor.name });
      return;
    }
    this.#send(writer);
  }

  /** One response frame: its size, then the body's chunks as the writer left them (record batches uncopied). */
  #send(body: Writer): void {
    const size = Buffer.allocUnsafe(4);
    size.writeInt32BE(body.length, 0);
    this.#socket.cork();
    this.#socket.write(size);
    for (const chunk of body.toChunks()) this.#socket.write(chunk);
    this.#socket.uncork();
  }

  #reject(error: unknown, reason: string, fields: Record<string, unknown> = {}): void {
    this.#log.warn({ ...fields, err: error }, `closing connection: ${reason}`);
    this.#socket.destroy();
  }
}
